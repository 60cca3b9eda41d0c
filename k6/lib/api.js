// Thin clients for the api, the e-mail simulator and the services' /metrics. Every request is
// tagged: `endpoint` is the stable label thresholds use (create, get, list, patch, delete, ...),
// `name` groups URLs with ids into one series.

import http from 'k6/http';
import { check } from 'k6';
import { API, API_KEY, SIM } from './config.js';

const JSON_HEADERS = Object.assign(
  { 'Content-Type': 'application/json', Accept: 'application/json' },
  API_KEY ? { Authorization: `Bearer ${API_KEY}` } : {},
);

function params(endpoint, name, extra = {}) {
  return Object.assign({ headers: JSON_HEADERS, tags: { endpoint, name } }, extra);
}

/** Parses a JSON body, or returns null (a failed check says why). */
export function json(res) {
  try {
    return res.json();
  } catch (_) {
    return null;
  }
}

export function createUser(body, extra) {
  const res = http.post(`${API}/api/v1/users`, JSON.stringify(body), params('create', 'POST /api/v1/users', extra));
  const user = res.status === 201 ? json(res) : null;
  check(res, {
    'create: 201': (r) => r.status === 201,
    'create: Location names the user': (r) => !!user && r.headers.Location === `/api/v1/users/${user.id}`,
    'create: body echoes the fields': () => !!user && user.email === body.email && user.timezone === body.timezone,
  });
  return user;
}

export function getUser(id, extra) {
  const res = http.get(`${API}/api/v1/users/${id}`, params('get', 'GET /api/v1/users/{id}', extra));
  const user = res.status === 200 ? json(res) : null;
  check(res, {
    'get: 200': (r) => r.status === 200,
    'get: the asked user': () => !!user && user.id === id,
  });
  return user;
}

export function getDeletedUser(id) {
  const res = http.get(`${API}/api/v1/users/${id}`, params('get_deleted', 'GET /api/v1/users/{id}', {
    responseCallback: http.expectedStatuses(404),
  }));
  check(res, {
    'get deleted: 404 problem': (r) => r.status === 404 && (r.headers['Content-Type'] || '').startsWith('application/problem+json'),
  });
}

export function listUsers(limit, cursor) {
  const q = cursor ? `limit=${limit}&cursor=${encodeURIComponent(cursor)}` : `limit=${limit}`;
  const res = http.get(`${API}/api/v1/users?${q}`, params('list', 'GET /api/v1/users'));
  const page = res.status === 200 ? json(res) : null;
  check(res, {
    'list: 200': (r) => r.status === 200,
    'list: a page': () => !!page && Array.isArray(page.items) && page.items.length <= limit && 'nextCursor' in page,
  });
  return page;
}

export function patchUser(id, body) {
  const res = http.patch(`${API}/api/v1/users/${id}`, JSON.stringify(body), params('patch', 'PATCH /api/v1/users/{id}'));
  const user = res.status === 200 ? json(res) : null;
  check(res, {
    'patch: 200': (r) => r.status === 200,
    'patch: applied': () => !!user && Object.keys(body).every((k) => user[k] === body[k]),
  });
  return user;
}

export function deleteUser(id) {
  const res = http.del(`${API}/api/v1/users/${id}`, null, params('delete', 'DELETE /api/v1/users/{id}'));
  check(res, { 'delete: 204': (r) => r.status === 204 });
  return res.status === 204;
}

export function userMessages(id) {
  const res = http.get(`${API}/api/v1/users/${id}/messages`, params('user_messages', 'GET /api/v1/users/{id}/messages'));
  const body = res.status === 200 ? json(res) : null;
  check(res, {
    'user messages: 200': (r) => r.status === 200,
    'user messages: items and next': () => !!body && Array.isArray(body.items) && Array.isArray(body.next),
  });
  return body;
}

/** Every live user, a page of 200 at a time (bounded by `maxPages`). */
export function allUsers(maxPages = 2000) {
  const users = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const page = listUsers(200, cursor);
    if (!page) break;
    users.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return users;
}

/** `GET /api/v1/metrics`: occurrence counts by status, due-but-unsent, promise checks. */
export function apiSummary() {
  const res = http.get(`${API}/api/v1/metrics`, params('summary', 'GET /api/v1/metrics'));
  check(res, { 'api summary: 200': (r) => r.status === 200 });
  return res.status === 200 ? json(res) : null;
}

/** `GET /api/v1/messages?...` one page. */
export function listMessages(query) {
  const res = http.get(`${API}/api/v1/messages?${query}`, params('messages', 'GET /api/v1/messages'));
  check(res, { 'messages: 200': (r) => r.status === 200 });
  return res.status === 200 ? json(res) : null;
}

export function getMessage(id) {
  const res = http.get(`${API}/api/v1/messages/${id}`, params('message', 'GET /api/v1/messages/{id}'));
  check(res, { 'message: 200': (r) => r.status === 200 });
  return res.status === 200 ? json(res) : null;
}

// --- e-mail simulator -----------------------------------------------------------------------

export function simStats() {
  const res = http.get(`${SIM}/stats`, params('sim_stats', 'GET sim /stats'));
  check(res, { 'sim stats: 200': (r) => r.status === 200 });
  return res.status === 200 ? json(res) : null;
}

/** Every message the simulator recorded (failed answers included), oldest first. */
export function simMessages(limit = 2000000) {
  const res = http.get(`${SIM}/messages?limit=${limit}`, params('sim_messages', 'GET sim /messages', { timeout: '120s' }));
  check(res, { 'sim messages: 200': (r) => r.status === 200 });
  const body = res.status === 200 ? json(res) : null;
  return body ? body.items : [];
}

export function simControl(behaviour) {
  const res = http.put(`${SIM}/control`, JSON.stringify(behaviour), params('sim_control', 'PUT sim /control'));
  check(res, { 'sim control: 200': (r) => r.status === 200 });
  return res.status === 200 ? json(res) : null;
}

export function simReset() {
  const res = http.post(`${SIM}/reset`, null, params('sim_reset', 'POST sim /reset'));
  check(res, { 'sim reset: 204': (r) => r.status === 204 });
}

// --- Prometheus text ------------------------------------------------------------------------

/** Sum of every series of `metric` in a Prometheus text page, optionally filtered by labels. */
export function promSum(text, metric, labelFilter) {
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (labelFilter && !labelFilter(rest)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
      seen = true;
    }
  }
  return seen ? sum : 0;
}

export function scrape(baseUrl, endpoint) {
  const res = http.get(`${baseUrl}/metrics`, { tags: { endpoint, name: `GET ${endpoint} /metrics` } });
  check(res, { [`${endpoint}: 200`]: (r) => r.status === 200 });
  return res.status === 200 ? res.body : '';
}
