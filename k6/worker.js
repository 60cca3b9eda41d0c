// Delivery throughput and retry behaviour: users due at a 09:00 inside the run (as in
// scheduler.js), the e-mail simulator failing on purpose (`PUT /control`: 5xx, 429, hangs,
// latency; `spike` is a full outage at 09:00 that must open the worker's circuit breaker).
// One observer VU follows the simulator's `GET /stats` and the API's `GET /api/v1/metrics`
// until every due message is delivered or dead-lettered, then reads what the simulator
// received: lateness against 09:00 per message, duplicates per Idempotency-Key, losses, and a
// sample of retried messages' attempt histories from the API.
//
//   SCENARIO=smoke|load|spike|stress|soak   (USERS and CREATE_VUS override the sizes)

import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { WORKER, envInt, pick, serviceNow } from './lib/config.js';
import * as api from './lib/api.js';
import { any, sameDay, userBody } from './lib/data.js';
import { summary } from './lib/summary.js';
import {
  currentWave, iterationNumber, parseWaveEmail, sleepUntil, stillBefore, waveEmail, waveScenarios,
} from './lib/waves.js';

const PROFILES = {
  smoke: {
    users: 100, vus: 10, observeSeconds: 90, outageSeconds: 0,
    behaviour: { errorRate: 0.1, throttleRate: 0.02, latencyMinMs: 0, latencyMaxMs: 20 },
    limits: { lateP99: 10000, allDone: 30000, rate: 0, deadLettered: 0 },
  },
  load: {
    users: 10000, vus: 50, observeSeconds: 180, outageSeconds: 0,
    behaviour: { errorRate: 0.1, latencyMinMs: 5, latencyMaxMs: 50 },
    limits: { lateP99: 5000, allDone: 60000, rate: 1000, deadLettered: 0 },
  },
  spike: {
    users: 5000, vus: 50, observeSeconds: 240, outageSeconds: 10,
    behaviour: { errorRate: 0.05, latencyMinMs: 5, latencyMaxMs: 50 },
    // Throughput means little around an outage: the limit is on recovering from it.
    limits: { lateP99: 45000, allDone: 45000, rate: 0, deadLettered: 0 },
  },
  stress: {
    users: 20000, vus: 100, observeSeconds: 300, outageSeconds: 0,
    behaviour: {
      errorRate: 0.15, throttleRate: 0.05, timeoutRate: 0.005, hangMs: 8000,
      latencyMinMs: 10, latencyMaxMs: 200,
    },
    limits: { lateP99: 30000, allDone: 240000, rate: 300, deadLettered: 20 },
  },
  soak: {
    users: 2000, vus: 20, observeSeconds: 180, outageSeconds: 0,
    behaviour: { errorRate: 0.05, latencyMinMs: 5, latencyMaxMs: 50 },
    limits: { lateP99: 5000, allDone: 60000, rate: 200, deadLettered: 0 },
  },
};
const profile = Object.assign({}, pick(PROFILES, 'worker.js'));
profile.users = envInt('USERS', profile.users);
profile.vus = envInt('CREATE_VUS', profile.vus);
const injectsFailures = profile.outageSeconds > 0 || profile.behaviour.errorRate > 0;

const lateness = new Trend('delivery_lateness_ms', true);
const allDelivered = new Trend('worker_all_delivered_ms', true);
// Throughput up to the 95th percentile message: the last few wait out their retry backoff.
const mostDelivered = new Trend('worker_95pct_delivered_ms', true);
const deliveredRate = new Trend('worker_delivered_rate');
const due = new Counter('worker_due_messages');
const lost = new Counter('worker_lost');
const duplicates = new Counter('worker_duplicates');
const deadLettered = new Counter('worker_dead_lettered');
const failedAttempts = new Counter('worker_failed_attempts');
const earlyDeliveries = new Counter('delivered_early');
const breakerOpened = new Counter('worker_breaker_opened');
const createSkipped = new Counter('worker_creates_too_late');

const thresholds = {
  http_req_failed: ['rate<0.001'],
  checks: ['rate>0.999'],
  worker_due_messages: ['count>0'],
  worker_lost: ['count==0'],
  worker_duplicates: ['count==0'],
  delivered_early: ['count==0'],
  worker_dead_lettered: [`count<=${profile.limits.deadLettered}`],
  delivery_lateness_ms: [`p(99)<${profile.limits.lateP99}`],
  worker_delivered_rate: [`min>=${profile.limits.rate}`],
  worker_all_delivered_ms: [`max<${profile.limits.allDone}`],
};
if (injectsFailures) thresholds.worker_failed_attempts = ['count>0'];
if (profile.outageSeconds > 0) thresholds.worker_breaker_opened = ['count>0'];

export const options = {
  scenarios: waveScenarios(profile),
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
  tags: { suite: 'worker' },
};

export function setup() {
  api.simControl(profile.behaviour);
}

export function teardown() {
  // A perfect vendor again, for whoever looks at the stack next.
  api.simControl({ errorRate: 0, throttleRate: 0, timeoutRate: 0, latencyMinMs: 0, latencyMaxMs: 0 });
}

export function create() {
  const wave = currentWave();
  if (!stillBefore(wave)) {
    createSkipped.add(1);
    return;
  }
  const overrides = { timezone: any(wave.zones), birthday: sameDay(wave.date), anniversary: null };
  api.createUser(userBody(waveEmail('work', wave, iterationNumber()), overrides));
}

function counts(stats) {
  const byStatus = stats ? stats.byStatus : {};
  return {
    distinct: stats ? stats.distinctKeys : 0,
    duplicates: stats ? stats.duplicates : 0,
    failedAttempts: stats ? stats.received - stats.delivered : 0,
    byStatus,
  };
}

function failedInApi() {
  const s = api.apiSummary();
  return s ? s.occurrences.byStatus.failed : 0;
}

function breakerState() {
  return api.promSum(api.scrape(WORKER, 'worker_metrics'), 'greetings_circuit_breaker_state');
}

export function observe() {
  const wave = currentWave();
  const budgetMs = profile.observeSeconds * 1000;
  sleepUntil(wave.atMs - 1000);
  const before = api.apiSummary();
  const expected = before ? before.occurrences.byStatus.scheduled : 0;
  const failedBase = before ? before.occurrences.byStatus.failed : 0;
  const base = counts(api.simStats());
  due.add(expected);
  check(expected, { 'wave: messages are scheduled before 09:00': (n) => n > 0 });

  sleepUntil(wave.atMs);
  if (profile.outageSeconds > 0) api.simControl({ errorRate: 1 });
  let outage = profile.outageSeconds > 0;
  let opened = false;
  let done = null;
  let most = null;
  let now = counts(null);
  let failed = 0;
  for (let poll = 0; serviceNow() < wave.atMs + budgetMs; poll++) {
    const t = serviceNow() - wave.atMs;
    if (outage) {
      opened = opened || breakerState() >= 2;
      if (t >= profile.outageSeconds * 1000) {
        api.simControl(profile.behaviour);
        outage = false;
      }
    }
    now = counts(api.simStats());
    if (poll % 8 === 0 || now.distinct - base.distinct >= expected) failed = failedInApi() - failedBase;
    if (most === null && now.distinct - base.distinct >= 0.95 * expected) most = t;
    if (now.distinct - base.distinct + failed >= expected) {
      done = t;
      break;
    }
    sleep(0.25);
  }
  if (outage) api.simControl(profile.behaviour);
  breakerOpened.add(opened ? 1 : 0);
  // Late duplicates would arrive now: give them a moment before the final count.
  sleep(2);
  now = counts(api.simStats());
  failed = failedInApi() - failedBase;
  const delivered = now.distinct - base.distinct;
  lost.add(Math.max(0, expected - delivered - failed));
  duplicates.add(now.duplicates - base.duplicates);
  deadLettered.add(failed);
  failedAttempts.add(now.failedAttempts - base.failedAttempts);
  allDelivered.add(done === null ? budgetMs : done);
  mostDelivered.add(most === null ? budgetMs : most);
  deliveredRate.add(most === null ? 0 : (0.95 * expected) / Math.max(most / 1000, 0.001));

  // What the vendor saw, message by message: first 2xx per address against 09:00.
  const firstOk = {};
  for (const m of api.simMessages()) {
    const tag = parseWaveEmail(m.email);
    if (!tag || tag.wave !== wave.index || m.status < 200 || m.status > 299) continue;
    if (!(m.email in firstOk)) firstOk[m.email] = Date.parse(m.receivedAt);
  }
  let early = 0;
  for (const at of Object.values(firstOk)) {
    lateness.add(at - wave.atMs);
    if (at < wave.atMs) early += 1;
  }
  earlyDeliveries.add(early);
  check(firstOk, { 'simulator: every delivered message is this wave\'s': (m) => Object.keys(m).length === delivered });

  checkRetriedHistories(wave);
  console.log(`wave ${wave.index} (${wave.at}): ${expected} due, ${delivered} delivered, ${failed} dead-lettered, ` +
    `${now.failedAttempts - base.failedAttempts} failed attempts, ${now.duplicates - base.duplicates} duplicates, ` +
    `95% after ${most} ms, all done after ${done} ms${profile.outageSeconds ? `, breaker opened: ${opened}` : ''}`);
}

/** A retried message shows its failed attempts, in order, then the delivery. */
function checkRetriedHistories(wave) {
  if (!injectsFailures) return;
  // `to` is exclusive.
  const from = encodeURIComponent(new Date(wave.atMs).toISOString());
  const to = encodeURIComponent(new Date(wave.atMs + 1000).toISOString());
  const page = api.listMessages(`status=delivered&from=${from}&to=${to}&limit=200`);
  const retried = page ? page.items.filter((m) => m.attempts > 1).slice(0, 10) : [];
  check(retried, { 'api: some delivered messages needed retries': (r) => r.length > 0 });
  for (const item of retried) {
    const detail = api.getMessage(item.id);
    const attempts = detail ? detail.deliveryAttempts : [];
    check(attempts, {
      'retried message: one attempt row per attempt': (a) => a.length === item.attempts,
      'retried message: earlier attempts failed, the last delivered': (a) => a.length > 1
        && a[a.length - 1].outcome === 'delivered' && a.slice(0, -1).every((x) => x.outcome !== 'delivered'),
      'retried message: attempts in order': (a) => a.every((x, i) => i === 0 || x.attempt === a[i - 1].attempt + 1),
    });
  }
}

export const handleSummary = summary('worker');
