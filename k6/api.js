// The users API under a realistic CRUD mix: create, get, list, patch, delete (and a user's
// messages), users spread over IANA zones with real dates, think time between requests.
//
//   SCENARIO=smoke|load|spike|stress|soak   shapes below; load and stress reach 1,000+ VUs
//   SCENARIO=bench                          closed-loop create, then read, no think time: the
//                                           requests per second and percentiles `make bench`
//                                           reports (BENCH_VUS, BENCH_SECONDS, BENCH_SEED)
//
// Run through scripts/k6.sh (it starts the api on a fresh database); API_URL points elsewhere.

import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { API, API_KEY, RUN_ID, SCENARIO, envInt, pick } from './lib/config.js';
import * as api from './lib/api.js';
import { patchBody, userBody } from './lib/data.js';
import { stat, summary } from './lib/summary.js';

const SOAK_MINUTES = envInt('SOAK_MINUTES', 30);
const BENCH_VUS = envInt('BENCH_VUS', 64);
const BENCH_SECONDS = envInt('BENCH_SECONDS', 30);
const BENCH_SEED = envInt('BENCH_SEED', 2000);

// Per-endpoint latency limits (ms): [p95, p99], as seen by the client. Smoke runs a debug
// build on a busy CI machine: its limits catch a broken endpoint. Load and soak hold an
// interactive SLO with k6 itself on the same two cores; the throughput targets of issue 6 are
// measured by SCENARIO=bench (`make bench`), not here.
const LIMITS = {
  smoke: { write: [500, 1500], read: [300, 1000], errors: 0.001 },
  load: { write: [200, 500], read: [100, 300], errors: 0.001 },
  soak: { write: [200, 500], read: [100, 300], errors: 0.001 },
  spike: { write: [1000, 3000], read: [800, 2500], errors: 0.01 },
  stress: { write: [1500, 4000], read: [1000, 3000], errors: 0.02 },
  bench: { write: [1000, 3000], read: [1000, 3000], errors: 0.001 },
};

const CRUD = {
  smoke: { executor: 'constant-vus', vus: 5, duration: '30s' },
  load: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '30s', target: 200 },
      { duration: '30s', target: 1000 },
      { duration: '2m', target: 1000 },
      { duration: '20s', target: 0 },
    ],
    gracefulRampDown: '10s',
  },
  spike: {
    executor: 'ramping-vus',
    startVUs: 20,
    stages: [
      { duration: '20s', target: 20 },
      { duration: '10s', target: 1500 },
      { duration: '40s', target: 1500 },
      { duration: '10s', target: 20 },
      { duration: '30s', target: 20 },
    ],
    gracefulRampDown: '10s',
  },
  stress: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '30s', target: 500 },
      { duration: '1m', target: 1000 },
      { duration: '1m', target: 1500 },
      { duration: '1m', target: 2000 },
      { duration: '1m', target: 2000 },
      { duration: '30s', target: 0 },
    ],
    gracefulRampDown: '10s',
  },
  soak: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '1m', target: 300 },
      { duration: `${SOAK_MINUTES}m`, target: 300 },
      { duration: '30s', target: 0 },
    ],
    gracefulRampDown: '10s',
  },
};

function scenarios() {
  if (SCENARIO === 'bench') {
    return {
      create: {
        executor: 'constant-vus', exec: 'benchCreate', vus: BENCH_VUS,
        duration: `${BENCH_SECONDS}s`, gracefulStop: '2s',
      },
      read: {
        executor: 'constant-vus', exec: 'benchRead', vus: BENCH_VUS,
        duration: `${BENCH_SECONDS}s`, startTime: `${BENCH_SECONDS + 3}s`, gracefulStop: '2s',
      },
    };
  }
  return { crud: Object.assign({ exec: 'crud' }, pick(CRUD, 'api.js')) };
}

function thresholds() {
  const limits = pick(LIMITS, 'api.js');
  const t = {
    // Every request the mix makes is expected to succeed (404s of deleted users are declared
    // expected per request).
    http_req_failed: [{ threshold: `rate<${limits.errors}`, abortOnFail: false }],
    checks: [`rate>${1 - limits.errors}`],
  };
  const endpoints = SCENARIO === 'bench'
    ? { create: 'write', read: 'read' }
    : { create: 'write', get: 'read', list: 'read', patch: 'write', delete: 'write', user_messages: 'read' };
  for (const [endpoint, kind] of Object.entries(endpoints)) {
    const [p95, p99] = limits[kind];
    t[`http_req_duration{endpoint:${endpoint}}`] = [`p(95)<${p95}`, `p(99)<${p99}`];
    t[`http_req_failed{endpoint:${endpoint}}`] = [`rate<${Math.max(limits.errors, 0.001)}`];
    // Present in the summary (and in bench figures) only with a threshold on it.
    t[`http_reqs{endpoint:${endpoint}}`] = ['count>0'];
  }
  return t;
}

export const options = {
  scenarios: scenarios(),
  thresholds: thresholds(),
  summaryTrendStats: ['avg', 'min', 'med', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'max'],
  tags: { suite: 'api', scenario_set: SCENARIO },
  setupTimeout: '120s',
};

// --- CRUD mix -----------------------------------------------------------------------------

// Users this VU created and has not deleted (ids), oldest first; capped so memory stays flat.
const mine = [];
const MAX_MINE = 50;
let serial = 0;

function email(prefix) {
  serial += 1;
  return `${prefix}.${RUN_ID}.${exec.vu.idInTest}.${serial}@example.test`;
}

function thinkTime() {
  sleep(SCENARIO === 'stress' ? 0.3 + Math.random() * 0.5 : 0.5 + Math.random());
}

function create() {
  const user = api.createUser(userBody(email('crud')));
  if (user) {
    mine.push(user.id);
    if (mine.length > MAX_MINE) mine.shift();
  }
}

function someone() {
  return mine[Math.floor(Math.random() * mine.length)];
}

export function crud() {
  const roll = Math.random();
  if (mine.length === 0 || roll < 0.25) {
    create();
  } else if (roll < 0.6) {
    api.getUser(someone());
  } else if (roll < 0.7) {
    api.listUsers(20, null);
  } else if (roll < 0.82) {
    api.patchUser(someone(), patchBody());
  } else if (roll < 0.9) {
    api.userMessages(someone());
  } else {
    const i = Math.floor(Math.random() * mine.length);
    const id = mine[i];
    if (api.deleteUser(id)) {
      mine.splice(i, 1);
      if (Math.random() < 0.2) api.getDeletedUser(id);
    }
  }
  thinkTime();
}

// --- bench: closed loop, no think time, no body parsing (k6 shares the 2 cores) ----------

const BENCH_PARAMS = {
  headers: Object.assign({ 'Content-Type': 'application/json' }, API_KEY ? { Authorization: `Bearer ${API_KEY}` } : {}),
  responseType: 'none',
};

export function setup() {
  if (SCENARIO !== 'bench') return {};
  // Users the read phase fetches, created in parallel batches.
  const ids = [];
  for (let done = 0; done < BENCH_SEED; done += 100) {
    const batch = [];
    for (let i = done; i < Math.min(done + 100, BENCH_SEED); i++) {
      batch.push(['POST', `${API}/api/v1/users`, JSON.stringify(userBody(`seed.${RUN_ID}.${i}@example.test`)),
        { headers: BENCH_PARAMS.headers, tags: { endpoint: 'seed', name: 'POST /api/v1/users' } }]);
    }
    for (const res of http.batch(batch)) {
      if (res.status === 201) ids.push(res.json('id'));
    }
  }
  check(ids, { 'bench: seed users created': (v) => v.length === BENCH_SEED });
  return { ids };
}

export function benchCreate() {
  serial += 1;
  const body = JSON.stringify(userBody(`bench.${RUN_ID}.${exec.vu.idInTest}.${serial}@example.test`));
  const res = http.post(`${API}/api/v1/users`, body, Object.assign(
    { tags: { endpoint: 'create', name: 'POST /api/v1/users' } }, BENCH_PARAMS));
  check(res, { 'bench create: 201': (r) => r.status === 201 });
}

export function benchRead(data) {
  const id = data.ids[Math.floor(Math.random() * data.ids.length)];
  const res = http.get(`${API}/api/v1/users/${id}`, Object.assign(
    { tags: { endpoint: 'read', name: 'GET /api/v1/users/{id}' } }, BENCH_PARAMS));
  check(res, { 'bench read: 200': (r) => r.status === 200 });
}

function benchFigures(data) {
  if (SCENARIO !== 'bench') return {};
  const figures = { vus: BENCH_VUS, phaseSeconds: BENCH_SECONDS };
  for (const phase of ['create', 'read']) {
    const count = stat(data, `http_reqs{endpoint:${phase}}`, 'count');
    const d = `http_req_duration{endpoint:${phase}}`;
    figures[`${phase}_requests`] = count;
    figures[`${phase}_rps`] = count / BENCH_SECONDS;
    figures[`${phase}_p50_ms`] = stat(data, d, 'p(50)');
    figures[`${phase}_p95_ms`] = stat(data, d, 'p(95)');
    figures[`${phase}_p99_ms`] = stat(data, d, 'p(99)');
    figures[`${phase}_error_rate`] = stat(data, `http_req_failed{endpoint:${phase}}`, 'rate');
  }
  return figures;
}

export const handleSummary = summary('api', benchFigures);
