// Run settings, all from environment variables (scripts/k6.sh sets them; see k6/README.md).

export const SCENARIO = (__ENV.SCENARIO || 'smoke').toLowerCase();
export const RUN_ID = __ENV.RUN_ID || `${Date.now().toString(36)}`;
export const REPORT_DIR = __ENV.REPORT_DIR || 'reports';

export const API = (__ENV.API_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
/** The API key sent as `Authorization: Bearer` (scripts/k6.sh mints one per run). */
export const API_KEY = __ENV.API_KEY || '';
export const SIM = (__ENV.SIM_URL || 'http://127.0.0.1:8025').replace(/\/$/, '');
export const SCHEDULER = (__ENV.SCHEDULER_URL || 'http://127.0.0.1:9091').replace(/\/$/, '');
export const WORKER = (__ENV.WORKER_URL || 'http://127.0.0.1:9092').replace(/\/$/, '');

/** The services' clock offset: their "now" is ours plus this. */
export const OFFSET_MS = Number(__ENV.CLOCK_OFFSET_SECONDS || 0) * 1000;

/** The 09:00 instants this run waits for (scripts/k6_plan.py), in the services' time. */
export const PLAN = __ENV.PLAN ? JSON.parse(__ENV.PLAN) : { offsetSeconds: 0, waves: [] };

/** "now" as the services see it, in epoch milliseconds. */
export function serviceNow() {
  return Date.now() + OFFSET_MS;
}

/** A positive integer from the environment, or the default. */
export function envInt(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return Math.floor(n);
}

/** Picks this scenario's entry from a table keyed by scenario name; unknown names fail. */
export function pick(table, what) {
  const entry = table[SCENARIO];
  if (!entry) {
    throw new Error(`${what}: unknown SCENARIO '${SCENARIO}' (expected one of ${Object.keys(table).join(', ')})`);
  }
  return entry;
}
