// The live incident stream: one shared WebSocket to /api/v1/hijack/stream
// for every subscriber, reconnecting with exponential backoff (a fresh
// snapshot of the open incidents follows each connection).

const subscribers = new Set();
let ws = null;
let state = 'closed';   // connecting | live | retrying | unavailable | closed
let retryIn = 0;
let backoff = 1000;
let timer = 0;

function emitState() {
  for (const s of subscribers) s.onState && s.onState(state, retryIn);
}

function connect() {
  clearTimeout(timer);
  state = 'connecting';
  emitState();
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/v1/hijack/stream`;
  let sock;
  try { sock = new WebSocket(url); } catch { retry(); return; }
  ws = sock;
  sock.onopen = () => { state = 'live'; backoff = 1000; emitState(); };
  sock.onmessage = (e) => {
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    if (!msg || !msg.incident) return;
    for (const s of subscribers) s.onMessage && s.onMessage(msg);
  };
  let opened = false;
  sock.addEventListener('open', () => { opened = true; });
  sock.onclose = async () => {
    if (ws !== sock) return;
    ws = null;
    if (!subscribers.size) { state = 'closed'; return; }
    // Refused before opening: is there an incident API at all? A server
    // without hijack detection has none; stop knocking until a page asks again.
    if (!opened && !(await apiAvailable())) { state = 'unavailable'; emitState(); return; }
    retry();
  };
  sock.onerror = () => { /* onclose follows */ };
}

/** apiAvailable tells whether the incident API answers (JSON) at all. */
async function apiAvailable() {
  try {
    const r = await fetch('/api/v1/hijack/incidents?limit=1', { cache: 'no-store' });
    if (r.status === 404 || r.status === 503) return false;
    return (r.headers.get('Content-Type') || '').includes('json');
  } catch {
    return true; // the server is down: keep retrying
  }
}

function retry() {
  retryIn = backoff;
  state = 'retrying';
  emitState();
  timer = setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, 30000);
}

/**
 * subscribe receives every stream message ({event, incident}) in
 * onMessage and connection states (connecting|live|retrying, retry delay
 * in ms) in onState; returns the unsubscribe function.
 */
export function subscribe(onMessage, onState) {
  const s = { onMessage, onState };
  subscribers.add(s);
  if (!ws && state !== 'retrying' && state !== 'connecting') connect();
  else if (onState) onState(state, retryIn);
  return () => {
    subscribers.delete(s);
    if (!subscribers.size) {
      clearTimeout(timer);
      const sock = ws;
      ws = null;
      state = 'closed';
      if (sock) sock.close(1000, 'page left');
    }
  };
}
