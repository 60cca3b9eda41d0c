// The scheduler under a burst: users are bulk-created through the API so that their 09:00
// falls inside the run (scripts/k6.sh shifts every service's clock so that "now" is shortly
// before 09:00 in a group of zones), then one observer VU watches the scheduler's
// `greetings_messages_scheduled_total` (published with confirms) from the due instant until
// every due occurrence is out, and asks the API that none is left due-but-unsent.
//
//   SCENARIO=smoke|load|spike|stress|soak   (USERS and CREATE_VUS override the sizes)
//   spike: a creation burst from many VUs right up to the instant; soak: every 09:00 of the
//   zones within SOAK_MINUTES (scripts/k6.sh plans them), one wave each.

import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { SCHEDULER, envInt, pick, serviceNow } from './lib/config.js';
import * as api from './lib/api.js';
import { any, sameDay, userBody } from './lib/data.js';
import { summary } from './lib/summary.js';
import { currentWave, iterationNumber, sleepUntil, stillBefore, waveEmail, waveScenarios } from './lib/waves.js';

const SIZES = {
  smoke: { users: 200, vus: 10, observeSeconds: 60 },
  load: { users: 20000, vus: 50, observeSeconds: 120 },
  spike: { users: 40000, vus: 300, observeSeconds: 180 },
  stress: { users: 100000, vus: 100, observeSeconds: 300 },
  soak: { users: 3000, vus: 20, observeSeconds: 120 },
};
const size = Object.assign({}, pick(SIZES, 'scheduler.js'));
size.users = envInt('USERS', size.users);
size.vus = envInt('CREATE_VUS', size.vus);

// [first publish after 09:00, all published after 09:00] in ms, and the lowest acceptable
// rate (occurrences/s from 09:00 to the last one); smoke only checks that it works at all.
const LIMITS = {
  smoke: { first: 3000, all: 15000, rate: 0, createP95: 1000 },
  load: { first: 1500, all: 10000, rate: 2000, createP95: 500 },
  spike: { first: 3000, all: 30000, rate: 1500, createP95: 3000 },
  stress: { first: 3000, all: 60000, rate: 1500, createP95: 3000 },
  soak: { first: 1500, all: 10000, rate: 300, createP95: 500 },
};
const limits = pick(LIMITS, 'scheduler.js');

const firstPublish = new Trend('scheduler_first_publish_ms', true);
const allPublished = new Trend('scheduler_all_published_ms', true);
const publishRate = new Trend('scheduler_publish_rate');
const unpublished = new Counter('scheduler_unpublished');
const early = new Counter('scheduler_published_early');
const dueCount = new Counter('scheduler_due_occurrences');
const createSkipped = new Counter('scheduler_creates_too_late');

export const options = {
  scenarios: waveScenarios(size),
  thresholds: {
    http_req_failed: ['rate<0.001'],
    checks: ['rate>0.999'],
    'http_req_duration{endpoint:create}': [`p(95)<${limits.createP95}`],
    scheduler_unpublished: ['count==0'],
    scheduler_published_early: ['count==0'],
    scheduler_due_occurrences: ['count>0'],
    scheduler_first_publish_ms: [`max<${limits.first}`],
    scheduler_all_published_ms: [`max<${limits.all}`],
    scheduler_publish_rate: [`min>=${limits.rate}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
  tags: { suite: 'scheduler' },
};

/** One user due at the wave's 09:00; every fourth also has its anniversary that day. */
export function create() {
  const wave = currentWave();
  if (!stillBefore(wave)) {
    createSkipped.add(1);
    return;
  }
  const n = iterationNumber();
  const overrides = { timezone: any(wave.zones), birthday: sameDay(wave.date) };
  overrides.anniversary = n % 4 === 0 ? sameDay(wave.date, 1975, 2020) : null;
  api.createUser(userBody(waveEmail('sched', wave, n), overrides));
}

function published() {
  return api.promSum(api.scrape(SCHEDULER, 'scheduler_metrics'), 'greetings_messages_scheduled_total');
}

export function observe() {
  const wave = currentWave();
  const budgetMs = size.observeSeconds * 1000;
  sleepUntil(wave.atMs - 1000);
  // Creation stopped CREATE_GUARD_MS before the instant: what is scheduled now is this wave.
  const before = api.apiSummary();
  const expected = before ? before.occurrences.byStatus.scheduled : 0;
  const base = published();
  dueCount.add(expected);
  check(expected, { 'wave: occurrences are scheduled before 09:00': (n) => n > 0 });

  sleepUntil(wave.atMs - 50);
  early.add(Math.max(0, published() - base));
  sleepUntil(wave.atMs);

  let first = null;
  let done = null;
  let count = 0;
  while (serviceNow() < wave.atMs + budgetMs) {
    count = published() - base;
    const t = serviceNow() - wave.atMs;
    if (count > 0 && first === null) first = t;
    if (count >= expected) {
      done = t;
      break;
    }
    sleep(0.1);
  }
  unpublished.add(Math.max(0, expected - count));
  if (first !== null) firstPublish.add(first);
  if (done !== null) {
    allPublished.add(done);
    publishRate.add(expected / Math.max(done / 1000, 0.001));
  } else {
    allPublished.add(budgetMs);
    publishRate.add(0);
  }
  const after = api.apiSummary();
  check(after, {
    'after the burst: nothing due is left unsent': (s) => !!s && s.dueUnsent === 0,
    'after the burst: no duplicate delivery recorded': (s) => !!s && s.promise.duplicateDeliveries === 0,
  });
  console.log(`wave ${wave.index} (${wave.at}, ${wave.zones.length} zones): ${expected} due, ` +
    `first published after ${first} ms, all after ${done} ms`);
}

export const handleSummary = summary('scheduler');
