// The app's server calls beyond the widgets: the latest data time, the
// demo flag, incidents, the monitored-resources file, all on this origin.
import { fetchData, DataError } from '../../widgets/src/core/api.js';
import { parseTime } from '../../widgets/src/core/time.js';

/** home is the data API base the widgets use: this server. */
export const home = `${location.origin}/`;

const KEY = 'routestat.apiKey';

/** apiKey returns the stored API key ('' if none). */
export function apiKey() {
  try { return localStorage.getItem(KEY) || ''; } catch { return ''; }
}

/** setAPIKey stores (or, when empty, forgets) the API key. */
export function setAPIKey(v) {
  try {
    if (v) localStorage.setItem(KEY, v); else localStorage.removeItem(KEY);
  } catch { /* private mode: keep it for this page only */ }
}

let latest = null;
let latestAt = 0;
let latestPending = null;

/**
 * latestTime resolves to the Date of the newest data the server has (the
 * query_time of searchcomplete, which answers at the latest data without
 * scanning anything), cached for a minute. Presets count back from it.
 */
export function latestTime({ fresh = false } = {}) {
  if (latest && !fresh && Date.now() - latestAt < 60_000) return Promise.resolve(latest);
  if (latestPending) return latestPending;
  latestPending = fetchData(home, 'searchcomplete', { resource: 'AS0', limit: 1 })
    .then(({ data }) => {
      latest = parseTime(data.query_time) || new Date();
      latestAt = Date.now();
      return latest;
    })
    .catch(() => latest || new Date())
    .finally(() => { latestPending = null; });
  return latestPending;
}

/** searchComplete returns the suggestion categories for text. */
export async function searchComplete(text, { signal } = {}) {
  const { data } = await fetchData(home, 'searchcomplete', { resource: text, limit: 6 }, { signal });
  return (data && data.categories) || [];
}

/**
 * request calls an /api/ endpoint: JSON or text body, the API key when
 * auth is set, and errors as DataError carrying the server's own text
 * ({"error": "…"} answers) and the HTTP status.
 */
export async function request(path, { method = 'GET', json, text, auth = false, signal, accept = 'json' } = {}) {
  const headers = {};
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (text !== undefined) { headers['Content-Type'] = 'application/yaml; charset=utf-8'; body = text; }
  if (auth) {
    const k = apiKey();
    if (k) headers['X-API-Key'] = k;
  }
  let resp;
  try {
    resp = await fetch(path, { method, headers, body, signal, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new DataError(`cannot reach the server: ${err.message}`, { url: path });
  }
  const raw = await resp.text();
  let parsed = null;
  try { parsed = raw ? JSON.parse(raw) : null; } catch { /* not JSON */ }
  if (!resp.ok) {
    const html = /html/i.test(resp.headers.get('Content-Type') || '') || /^\s*</.test(raw);
    const text = html ? '' : raw.trim().slice(0, 500);
    const msg = (parsed && typeof parsed === 'object' && (parsed.error || parsed.message)) || text
      || (resp.status === 404 ? `${path.split('?')[0]} is not served here (is hijack detection configured?)` : resp.statusText) || 'request failed';
    const err = new DataError(String(msg), { status: resp.status, url: path });
    err.parameter = parsed && parsed.parameter;
    err.line = parsed && parsed.line;
    throw err;
  }
  if (accept === 'json' && raw && parsed === null) {
    throw new DataError(`unexpected answer from ${path}: not JSON (is this routestat's API?)`, { status: resp.status, url: path });
  }
  return accept === 'text' ? raw : parsed;
}

/** demoInfo resolves to {demo, description} or null when the server runs no demo. */
export async function demoInfo() {
  try {
    const d = await request('/api/v1/demo');
    return d && d.demo ? d : null;
  } catch {
    return null;
  }
}

/** incidents lists incidents; q: {status, group, type, resource, starttime, endtime, limit}. */
export async function incidents(q = {}, { signal } = {}) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries({ limit: 1000, ...q })) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  return request(`/api/v1/hijack/incidents?${u}`, { signal });
}

/** incident fetches one incident by id. */
export function incident(id, { signal } = {}) {
  return request(`/api/v1/hijack/incidents/${encodeURIComponent(id)}`, { signal });
}

/** annotate acknowledges an incident or marks it a false positive (API key). */
export function annotate(id, action, by, comment) {
  return request(`/api/v1/hijack/incidents/${encodeURIComponent(id)}/${action}`, { method: 'POST', json: { by, comment }, auth: true });
}
