// Waves: the 09:00 instants of a run (scripts/k6_plan.py puts the services' clock a little
// before the first). Each wave gets two k6 scenarios: `w<i>_create` bulk-creates users due at
// that instant (and must finish before it), `w<i>_observe` (one VU) waits for the instant and
// measures what happens.

import { sleep } from 'k6';
import exec from 'k6/execution';
import { PLAN, RUN_ID, serviceNow } from './config.js';

/** No user is created this close to its 09:00: it would be `skipped`, not sent. */
export const CREATE_GUARD_MS = 3000;

export function currentWave() {
  const i = Number(__ENV.WAVE || 0);
  const wave = PLAN.waves[i];
  if (!wave) throw new Error(`no wave ${i} in PLAN (scripts/k6.sh sets it)`);
  return Object.assign({ index: i }, wave);
}

/** A unique address: `<kind>.<run>.w<wave>.<n>@example.test`; the kind says what to expect. */
export function waveEmail(kind, wave, n) {
  return `${kind}.${RUN_ID}.w${wave.index}.${n}@example.test`;
}

/** The kind encoded by waveEmail, and the wave index, or null for other addresses. */
export function parseWaveEmail(email) {
  const m = /^([a-z]+)\.([^.]+)\.w(\d+)\.(\d+)@example\.test$/.exec(email);
  return m && m[2] === RUN_ID ? { kind: m[1], wave: Number(m[3]), n: Number(m[4]) } : null;
}

/** The iteration's number within its scenario, unique across VUs. */
export function iterationNumber() {
  return exec.scenario.iterationInTest;
}

/** True while users may still be created for `wave`. */
export function stillBefore(wave) {
  return serviceNow() < wave.atMs - CREATE_GUARD_MS;
}

/** Sleeps until `atMs` in the services' time (bounded by the scenario's maxDuration). */
export function sleepUntil(atMs) {
  const wait = (atMs - serviceNow()) / 1000;
  if (wait > 0) sleep(wait);
}

/**
 * The scenarios of every wave. `users` and `vus` size the creation; `observeSeconds` bounds
 * what happens after each instant. Throws when the plan leaves too little time to create.
 */
export function waveScenarios({ users, vus, observeSeconds, createExec = 'create', observeExec = 'observe' }) {
  if (!PLAN.waves.length) throw new Error('PLAN has no waves: run through scripts/k6.sh');
  const now = serviceNow();
  const scenarios = {};
  let start = 0;
  PLAN.waves.forEach((wave, i) => {
    const untilDue = (wave.atMs - now) / 1000;
    let createFor = Math.floor(untilDue - start - CREATE_GUARD_MS / 1000 - 2);
    if (createFor < 3) {
      // k6 evaluates this again for handleSummary, after the waves: only a wave still ahead
      // with too little time before it is an error.
      if (untilDue > 0) {
        throw new Error(`wave ${i} at ${wave.at} leaves ${createFor}s to create users: raise LEAD_SECONDS`);
      }
      createFor = 3;
    }
    scenarios[`w${i}_create`] = {
      executor: 'shared-iterations',
      exec: createExec,
      vus: Math.min(vus, users),
      iterations: users,
      startTime: `${start}s`,
      maxDuration: `${createFor}s`,
      gracefulStop: '1s',
      env: { WAVE: String(i) },
      tags: { wave: String(i) },
    };
    scenarios[`w${i}_observe`] = {
      executor: 'per-vu-iterations',
      exec: observeExec,
      vus: 1,
      iterations: 1,
      startTime: `${Math.max(0, Math.floor(untilDue - 5))}s`,
      maxDuration: `${observeSeconds + 10}s`,
      gracefulStop: '5s',
      env: { WAVE: String(i) },
      tags: { wave: String(i) },
    };
    // The next wave's users are created once this one has been observed.
    start = Math.ceil(untilDue + observeSeconds + 5);
  });
  return scenarios;
}

/** Nearest-rank percentile of a numeric array (NaN when empty). */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
