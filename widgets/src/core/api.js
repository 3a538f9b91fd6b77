// Data API client: builds the exact /data/<call>/data.json URL behind a
// widget and fetches it, unwrapping RIPEstat's envelope.

/** DataError is a failed data call, with the server's messages. */
export class DataError extends Error {
  constructor(message, { status = 0, url = '', messages = [] } = {}) {
    super(message);
    this.name = 'DataError';
    this.status = status;
    this.url = url;
    this.messages = messages;
  }
}

/**
 * dataURL returns the data API URL for call with params (undefined, null
 * and '' values are left out), rooted at home (e.g. "https://stat.example/").
 */
export function dataURL(home, call, params = {}) {
  const u = new URL(`data/${encodeURIComponent(call)}/data.json`, home);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    u.searchParams.set(k, String(v));
  }
  return u.toString();
}

// The data API allows 8 requests in progress per client (429 beyond):
// a page full of widgets queues its calls, at most MAX_INFLIGHT at once,
// and retries a 429 or 503 a few times with backoff.
const MAX_INFLIGHT = 6;
let inflight = 0;
const queue = [];

function acquire() {
  if (inflight < MAX_INFLIGHT) { inflight++; return Promise.resolve(); }
  return new Promise((resolve) => queue.push(resolve));
}

function release() {
  const next = queue.shift();
  if (next) next(); else inflight--;
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    if (signal) signal.addEventListener('abort', () => { clearTimeout(t); reject(new DOMException('aborted', 'AbortError')); }, { once: true });
  });
}

async function limitedFetch(url, signal) {
  for (let attempt = 0; ; attempt++) {
    await acquire();
    let resp;
    try {
      if (signal && signal.aborted) throw new DOMException('aborted', 'AbortError');
      resp = await fetch(url, { signal, credentials: 'omit' });
    } finally {
      release();
    }
    if ((resp.status !== 429 && resp.status !== 503) || attempt >= 4) return resp;
    await sleep(250 * 2 ** attempt + Math.random() * 200, signal);
  }
}

/**
 * fetchData fetches a data call and returns {data, envelope, url}. HTTP
 * and envelope errors become a DataError carrying the server's messages.
 */
export async function fetchData(home, call, params = {}, { signal } = {}) {
  const url = dataURL(home, call, params);
  let resp;
  try {
    resp = await limitedFetch(url, signal);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new DataError(`cannot reach the data API: ${err.message}`, { url });
  }
  let env = null;
  try {
    env = await resp.json();
  } catch {
    throw new DataError(`${call}: HTTP ${resp.status}, not JSON`, { status: resp.status, url });
  }
  const messages = (env && env.messages) || [];
  if (!resp.ok || (env && env.status && env.status !== 'ok')) {
    const text = messages.filter((m) => m[0] === 'error').map((m) => m[1]).join('; ') || `HTTP ${resp.status}`;
    throw new DataError(`${call}: ${text}`, { status: resp.status, url, messages });
  }
  return { data: env.data, envelope: env, url };
}

/** fetchJSON fetches a non-envelope JSON endpoint (e.g. /api/v1/hijack/...). */
export async function fetchJSON(url, { signal, method = 'GET', body, apiKey } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (apiKey) headers['Authorization'] = `Bearer ${apiKey}`;
  const resp = await fetch(url, { signal, method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  let out = null;
  const text = await resp.text();
  try { out = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!resp.ok) {
    const msg = (out && (out.error || out.message)) || text || `HTTP ${resp.status}`;
    throw new DataError(String(msg), { status: resp.status, url });
  }
  return out;
}
