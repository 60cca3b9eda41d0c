// End to end through every service: users are created (and some edited or deleted) through
// the API shortly before 09:00 in their zone (scripts/k6.sh shifts the services' clocks), and
// the e-mail simulator must receive each due message exactly once, with the right text, not
// before 09:00 — and nothing for the users that are not due. Measures create→delivered and
// 09:00→delivered from the simulator's receive times.
//
// What each user is, by the first word of its address:
//   due        birthday today (local), in a zone whose 09:00 is the wave; every third also
//              has its anniversary today: two messages
//   renamed    due, then both names changed: the message carries the new names
//   moved      created in a zone whose 09:00 comes hours later, then moved into the wave's zone
//   away       created due, then moved to a zone whose 09:00 comes hours later: nothing now
//   deleted    created due, then deleted: nothing
//   tomorrow   birthday tomorrow (local): nothing       yesterday  birthday yesterday: nothing
//
//   SCENARIO=smoke|load|spike|stress|soak   (USERS and CREATE_VUS override the sizes)

import { check, sleep } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { envInt, pick, serviceNow } from './lib/config.js';
import * as api from './lib/api.js';
import { addDays, anniversaryText, any, birthdayText, sameDay, userBody } from './lib/data.js';
import { summary } from './lib/summary.js';
import {
  currentWave, iterationNumber, parseWaveEmail, sleepUntil, stillBefore, waveEmail, waveScenarios,
} from './lib/waves.js';

const SIZES = {
  smoke: { users: 40, vus: 5, observeSeconds: 60, lateP99: 10000 },
  load: { users: 2000, vus: 20, observeSeconds: 120, lateP99: 5000 },
  spike: { users: 5000, vus: 200, observeSeconds: 180, lateP99: 10000 },
  stress: { users: 10000, vus: 100, observeSeconds: 240, lateP99: 20000 },
  soak: { users: 1000, vus: 10, observeSeconds: 120, lateP99: 5000 },
};
const size = Object.assign({}, pick(SIZES, 'e2e.js'));
size.users = envInt('USERS', size.users);
size.vus = envInt('CREATE_VUS', size.vus);

const expectedMessages = new Counter('e2e_messages_expected');
const lost = new Counter('e2e_lost');
const duplicates = new Counter('e2e_duplicates');
const wrongText = new Counter('e2e_wrong_text');
const unexpected = new Counter('e2e_unexpected');
const early = new Counter('e2e_early');
const dueToDelivered = new Trend('e2e_due_to_delivered_ms', true);
const createToDelivered = new Trend('e2e_create_to_delivered_ms', true);
const createSkipped = new Counter('e2e_creates_too_late');

export const options = {
  scenarios: waveScenarios(size),
  thresholds: {
    http_req_failed: ['rate<0.001'],
    checks: ['rate==1'],
    e2e_messages_expected: ['count>0'],
    e2e_lost: ['count==0'],
    e2e_duplicates: ['count==0'],
    e2e_wrong_text: ['count==0'],
    e2e_unexpected: ['count==0'],
    e2e_early: ['count==0'],
    e2e_due_to_delivered_ms: [`p(99)<${size.lateP99}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
  tags: { suite: 'e2e' },
};

function kindOf(n, wave) {
  const slot = n % 20;
  const hasLater = wave.laterZones.length > 0;
  if (slot < 12) return 'due';
  if (slot < 14) return 'renamed';
  if (slot === 14) return hasLater ? 'moved' : 'due';
  if (slot === 15) return hasLater ? 'away' : 'deleted';
  if (slot < 18) return 'deleted';
  return slot === 18 ? 'tomorrow' : 'yesterday';
}

export function create() {
  const wave = currentWave();
  if (!stillBefore(wave)) {
    createSkipped.add(1);
    return;
  }
  const n = iterationNumber();
  const kind = kindOf(n, wave);
  const zone = any(wave.zones);
  const overrides = { timezone: zone, birthday: sameDay(wave.date), anniversary: null };
  if (kind === 'due' && n % 3 === 0) overrides.anniversary = sameDay(wave.date, 1975, 2020);
  if (kind === 'moved') overrides.timezone = any(wave.laterZones);
  if (kind === 'tomorrow') overrides.birthday = sameDay(addDays(wave.date, 1));
  if (kind === 'yesterday') overrides.birthday = sameDay(addDays(wave.date, -1));
  const user = api.createUser(userBody(waveEmail(kind, wave, n), overrides));
  if (!user) return;
  if (kind === 'renamed') api.patchUser(user.id, { firstName: `Renamed${n}`, lastName: 'Édité' });
  if (kind === 'moved') api.patchUser(user.id, { timezone: zone });
  if (kind === 'away') api.patchUser(user.id, { timezone: any(wave.laterZones) });
  if (kind === 'deleted') api.deleteUser(user.id);
}

/** The texts a listed user must receive during this wave. */
function expectedTexts(user, tag, wave) {
  if (!['due', 'renamed', 'moved'].includes(tag.kind)) return [];
  const texts = [birthdayText(user.firstName, user.lastName)];
  if (user.anniversary && user.anniversary.slice(5) === wave.date.slice(5)) {
    texts.push(anniversaryText(user.firstName, user.lastName));
  }
  return texts;
}

/** The API's view of a due user's birthday before 09:00: scheduled at 09:00 local. */
function checkPlanned(user, wave) {
  const body = api.userMessages(user.id);
  const item = body && body.items.find((m) => m.kind === 'birthday' && m.localDate === wave.date);
  check(item, {
    // Listing a large wave can run past 09:00: a message already on its way is fine too.
    'api: the birthday is planned for the wave': (m) => !!m && Date.parse(m.sendAt) === wave.atMs
      && ['scheduled', 'queued', 'sending', 'delivered'].includes(m.status),
    'api: at 09:00 local time': (m) => !!m && m.localSendAt.slice(0, 19) === `${wave.date}T09:00:00` && m.timezone === user.timezone,
  });
}

function checkDelivered(user, wave) {
  const body = api.userMessages(user.id);
  const item = body && body.items.find((m) => m.kind === 'birthday' && m.localDate === wave.date);
  check(item, {
    'api: the birthday is delivered, once attempted at least': (m) => !!m && m.status === 'delivered' && m.attempts >= 1,
    'api: delivered at or after 09:00': (m) => !!m && Date.parse(m.deliveredAt) >= wave.atMs,
  });
}

export function observe() {
  const wave = currentWave();
  const budgetMs = size.observeSeconds * 1000;
  const base = api.simStats();
  sleepUntil(wave.atMs - 2500);
  // Creation stopped before the instant: the users of this wave, as the API has them now.
  const users = {};
  for (const user of api.allUsers()) {
    const tag = parseWaveEmail(user.email);
    if (tag && tag.wave === wave.index) users[user.email] = { user, tag, texts: expectedTexts(user, tag, wave) };
  }
  const all = Object.values(users);
  const total = all.reduce((n, u) => n + u.texts.length, 0);
  expectedMessages.add(total);
  const sample = all.filter((u) => u.texts.length > 0).slice(0, 10);
  for (const u of sample) checkPlanned(u.user, wave);

  sleepUntil(wave.atMs);
  let done = null;
  while (serviceNow() < wave.atMs + budgetMs) {
    const stats = api.simStats();
    if (stats && base && stats.delivered - base.delivered >= total) {
      done = serviceNow() - wave.atMs;
      break;
    }
    sleep(0.25);
  }
  // Anything arriving twice would arrive now.
  sleep(3);

  const received = {};
  for (const m of api.simMessages()) {
    const tag = parseWaveEmail(m.email);
    if (!tag || tag.wave !== wave.index) continue;
    (received[m.email] = received[m.email] || []).push(m);
  }
  let counts = { lost: 0, duplicates: 0, wrong: 0, unexpected: 0, early: 0 };
  for (const [email, messages] of Object.entries(received)) {
    const ok = messages.filter((m) => m.status >= 200 && m.status <= 299);
    const entry = users[email];
    const texts = entry ? entry.texts : [];
    if (!texts.length) {
      // Deleted, moved away, tomorrow, yesterday: the vendor must not even be asked.
      counts.unexpected += messages.length;
      continue;
    }
    for (const m of ok) {
      const at = Date.parse(m.receivedAt);
      if (at < wave.atMs) counts.early += 1;
      if (!texts.includes(m.message)) counts.wrong += 1;
    }
    for (const text of texts) {
      const hits = ok.filter((m) => m.message === text);
      if (hits.length === 0) counts.lost += 1;
      if (hits.length > 1) counts.duplicates += hits.length - 1;
      if (hits.length > 0) {
        const at = Date.parse(hits[0].receivedAt);
        dueToDelivered.add(at - wave.atMs);
        createToDelivered.add(at - Date.parse(entry.user.createdAt));
      }
    }
  }
  for (const entry of all) {
    if (entry.texts.length && !(entry.user.email in received)) counts.lost += entry.texts.length;
  }
  lost.add(counts.lost);
  duplicates.add(counts.duplicates);
  wrongText.add(counts.wrong);
  unexpected.add(counts.unexpected);
  early.add(counts.early);
  for (const u of sample) checkDelivered(u.user, wave);
  const s = api.apiSummary();
  check(s, { 'api: no duplicate delivery recorded': (x) => !!x && x.promise.duplicateDeliveries === 0 });
  console.log(`wave ${wave.index} (${wave.at}, ${wave.zones.length} zones): ${all.length} users, ${total} messages due, ` +
    `all arrived after ${done} ms; ${JSON.stringify(counts)}`);
}

export const handleSummary = summary('e2e');
