// BGPlay's model: turns a bgplay answer (initial_state + events) into
// interned nodes (ASes and collector peers) and edges (one per AS link and
// origin), the union graph every route of the window draws, and one
// precomputed diff per event, so that moving the cursor only applies small
// integer deltas — no path is re-read while playing.
import { parseTime } from '../core/time.js';

/** unix reads an API time (unix seconds or "2008-02-24T20:30:00") as unix seconds. */
export function unix(v) {
  if (typeof v === 'number') return v;
  const d = parseTime(v);
  return d ? d.getTime() / 1000 : NaN;
}

// hop is one element of an AS path: a number, or an AS set as an array.
const hop = (a) => (Array.isArray(a) ? `{${a.join(',')}}` : String(a));

/** cleanPath returns a path's hops as strings with prepending removed. */
export function cleanPath(path) {
  const out = [];
  for (const a of path || []) {
    const s = hop(a);
    if (out[out.length - 1] !== s) out.push(s);
  }
  return out;
}

const samePath = (a, b) => a && b && a.length === b.length && a.every((x, i) => hop(x) === hop(b[i]));

/**
 * buildModel precomputes everything BGPlay draws from a bgplay answer.
 * opts.prefixes (a Set) keeps only the routes of those target prefixes.
 * Returns {nodes, edges, origins, peers, events, targets, start, end, …}
 * and a State factory; see the fields below.
 */
export function buildModel(data, opts = {}) {
  const keep = opts.prefixes && opts.prefixes.size ? (p) => opts.prefixes.has(p) : () => true;
  const owners = new Map((data.nodes || []).map((n) => [String(n.as_number), n.owner || n.as_holder || '']));
  const sourceInfo = new Map((data.sources || []).map((s) => [s.id, s]));

  // nodes: ASes ("as:3491") and collector peers ("peer:00-12.0.1.63")
  const nodes = []; const nodeIx = new Map();
  const node = (key, fields) => {
    let i = nodeIx.get(key);
    if (i === undefined) {
      i = nodes.length; nodeIx.set(key, i);
      nodes.push({ i, key, level: Infinity, use: 0, origin: false, originIdx: -1, ...fields });
    }
    return i;
  };
  const asNode = (as) => node(`as:${as}`, { type: 'as', asn: as, owner: owners.get(as) || '' });
  const peerNode = (id) => {
    const s = sourceInfo.get(id) || {};
    const asn = s.as_number !== undefined ? String(s.as_number) : '';
    return node(`peer:${id}`, { type: 'peer', source: id, rrc: s.rrc || '', ip: s.ip || id, asn, owner: owners.get(asn) || '' });
  };

  // origins, in order of first sight (initial state first): colour index
  const origins = []; const originIx = new Map();
  const originOf = (as) => {
    let i = originIx.get(as);
    if (i === undefined) { i = origins.length; originIx.set(as, i); origins.push({ i, asn: as, owner: owners.get(as) || '', initial: 0, routes: 0 }); }
    return i;
  };

  // edges: one per (from node, to node, origin)
  const edges = []; const edgeIx = new Map();
  const edge = (a, b, o) => {
    const key = `${a}>${b}#${o}`;
    let i = edgeIx.get(key);
    if (i === undefined) { i = edges.length; edgeIx.set(key, i); edges.push({ i, a, b, origin: o, use: 0, peer: nodes[a].type === 'peer' }); }
    return i;
  };

  // route turns (source, path) into its node sequence, origin and edges
  const routeOf = (source, prefix, path, community) => {
    const hops = cleanPath(path);
    const peer = peerNode(source);
    if (!hops.length && nodes[peer].asn) hops.push(nodes[peer].asn);
    const seq = [peer, ...hops.map(asNode)];
    const originAS = hops[hops.length - 1] ?? nodes[peer].asn;
    const o = originOf(originAS);
    const es = [];
    for (let k = 0; k + 1 < seq.length; k++) es.push(edge(seq[k], seq[k + 1], o));
    for (let k = 0; k < seq.length; k++) {
      const n = nodes[seq[k]];
      n.level = Math.min(n.level, seq.length - 1 - k);
      n.use++;
    }
    const on = nodes[seq[seq.length - 1]];
    if (on.type === 'as') { on.origin = true; if (on.originIdx < 0) on.originIdx = o; }
    for (const e of es) edges[e].use++;
    origins[o].routes++;
    return { source, prefix, path: path || [], community: community || [], seq, origin: o, edges: es };
  };

  // the initial state
  const routes = new Map(); // "source|prefix" -> route
  const targets = new Set();
  for (const r of data.initial_state || []) {
    if (!keep(r.target_prefix)) continue;
    targets.add(r.target_prefix);
    const rt = routeOf(r.source_id, r.target_prefix, r.path, r.community);
    origins[rt.origin].initial++;
    routes.set(`${r.source_id}|${r.target_prefix}`, rt);
  }
  const initialRoutes = [...routes.values()];

  // the events, in time order, each with its diff against the route before it
  const raw = (data.events || []).filter((e) => e && e.attrs && keep(e.attrs.target_prefix));
  const order = raw.map((e, k) => ({ e, k, t: unix(e.timestamp) }));
  order.sort((x, y) => x.t - y.t || (x.e.seq ?? x.k) - (y.e.seq ?? y.k));
  const events = new Array(order.length);
  for (let n = 0; n < order.length; n++) {
    const { e, t } = order[n];
    const a = e.attrs; const key = `${a.source_id}|${a.target_prefix}`;
    targets.add(a.target_prefix);
    const before = routes.get(key) || null;
    const announce = e.type !== 'W';
    let after = null; let kind;
    if (announce) {
      kind = !before ? 'new' : samePath(before.path, a.path) ? 'same' : 'change';
      // a re-announcement keeps the route's nodes and edges
      after = kind === 'same' ? { ...before, path: a.path || [], community: a.community || [] } : routeOf(a.source_id, a.target_prefix, a.path, a.community);
      routes.set(key, after);
    } else {
      peerNode(a.source_id);
      kind = before ? 'withdraw' : 'noop';
      routes.delete(key);
    }
    events[n] = {
      index: n, t, type: announce ? 'A' : 'W', kind, seq: e.seq, source: a.source_id, prefix: a.target_prefix,
      path: announce ? (a.path || []) : null, community: announce ? (a.community || []) : [],
      oldPath: before ? before.path : null, oldCommunity: before ? before.community : [],
      origin: after ? after.origin : -1, oldOrigin: before ? before.origin : -1,
      peer: nodeIx.get(`peer:${a.source_id}`),
      seqNew: after ? after.seq : null, seqOld: before ? before.seq : null,
      diff: kind === 'same' ? diffOf(null, null) : diffOf(before, after),
    };
  }

  // origins sorted: most initial routes first, then by first sight; colours follow
  const sorted = origins.slice().sort((x, y) => y.initial - x.initial || x.i - y.i);
  const remap = new Int32Array(origins.length);
  sorted.forEach((o, j) => { remap[o.i] = j; });
  sorted.forEach((o, j) => { o.i = j; });
  for (const e of edges) e.origin = remap[e.origin];
  for (const n of nodes) if (n.originIdx >= 0) n.originIdx = remap[n.originIdx];
  for (const r of initialRoutes) r.origin = remap[r.origin];
  for (const ev of events) {
    if (ev.origin >= 0) ev.origin = remap[ev.origin];
    if (ev.oldOrigin >= 0) ev.oldOrigin = remap[ev.oldOrigin];
  }
  for (const n of nodes) if (n.level === Infinity) n.level = 1;

  const adj = nodes.map(() => []);
  for (const e of edges) { adj[e.a].push(e.i); adj[e.b].push(e.i); }
  const peers = nodes.filter((n) => n.type === 'peer');
  const peerIx = new Map(peers.map((p, j) => [p.i, j]));
  const prefixIx = new Map([...targets].sort().map((p, j) => [p, j]));

  const model = {
    nodes, edges, adj, origins: sorted, peers, peerIx, events, initialRoutes,
    targets: [...prefixIx.keys()], prefixIx,
    start: unix(data.query_starttime), end: unix(data.query_endtime),
  };
  if (!Number.isFinite(model.start)) model.start = events.length ? events[0].t : 0;
  if (!Number.isFinite(model.end)) model.end = events.length ? events[events.length - 1].t : model.start + 1;
  model.moas = moasTimeline(model);
  return model;
}

// diffOf is the net change of edge and node uses from route a to route b:
// {eAdd, eDel, nAdd, nDel} (id lists; paths are short, so the quadratic
// multiset difference is the cheap way).
const none = [];
function diffOf(a, b) {
  const [eAdd, eDel] = minus(a ? a.edges : none, b ? b.edges : none);
  const [nAdd, nDel] = minus(a ? a.seq : none, b ? b.seq : none);
  return { eAdd, eDel, nAdd, nDel };
}

// minus returns [ys − xs, xs − ys] as multisets.
function minus(xs, ys) {
  if (xs === ys) return [none, none];
  const add = ys.slice(); const del = [];
  for (const x of xs) {
    const k = add.indexOf(x);
    if (k >= 0) { add[k] = add[add.length - 1]; add.pop(); } else del.push(x);
  }
  return [add.length ? add : none, del.length ? del : none];
}

// moasTimeline computes, after every event, whether some prefix has more
// than one origin (the hijack signal the timeline shades).
function moasTimeline(m) {
  const per = new Map(); // prefix -> Map origin -> routes
  let multi = 0;
  const bump = (prefix, o, d) => {
    let c = per.get(prefix);
    if (!c) { c = new Map(); per.set(prefix, c); }
    const before = c.size;
    const v = (c.get(o) || 0) + d;
    if (v) c.set(o, v); else c.delete(o);
    if (before < 2 && c.size >= 2) multi++;
    if (before >= 2 && c.size < 2) multi--;
  };
  for (const r of m.initialRoutes) bump(r.prefix, r.origin, 1);
  const out = new Uint8Array(m.events.length + 1);
  out[0] = multi > 0 ? 1 : 0;
  m.events.forEach((ev, n) => {
    if (ev.oldOrigin >= 0) bump(ev.prefix, ev.oldOrigin, -1);
    if (ev.origin >= 0) bump(ev.prefix, ev.origin, 1);
    out[n + 1] = multi > 0 ? 1 : 0;
  });
  return out; // out[k] = after k events (index k-1)
}

/**
 * State is the routing state at a cursor position: counts of routes per
 * edge and node, the origin each peer routes to, and peers per origin.
 * moveTo(index) applies event diffs forward or backward and reports
 * which edges, nodes and peers changed, for incremental drawing.
 */
export class State {
  constructor(model) {
    this.m = model;
    this.edgeCount = new Int32Array(model.edges.length);
    this.nodeCount = new Int32Array(model.nodes.length);
    const no = model.origins.length;
    this.peerOrigin = new Int32Array(model.peers.length * Math.max(1, no)); // routes per (peer, origin)
    this.originPeers = new Int32Array(no);
    this.originRoutes = new Int32Array(no);
    this.current = -1;
    this.dirtyEdges = new Set(); this.dirtyNodes = new Set();
    for (const r of model.initialRoutes) {
      for (const e of r.edges) this.edgeCount[e]++;
      for (const n of r.seq) this.nodeCount[n]++;
      this.route(r.seq[0], r.origin, 1);
    }
  }

  // route adds d routes of the peer node p to origin o.
  route(p, o, d) {
    const j = this.m.peerIx.get(p);
    const no = this.m.origins.length;
    const k = j * no + o;
    const was = this.peerOrigin[k];
    this.peerOrigin[k] += d;
    this.originRoutes[o] += d;
    if (was === 0 && this.peerOrigin[k] > 0) this.originPeers[o]++;
    if (was > 0 && this.peerOrigin[k] === 0) this.originPeers[o]--;
  }

  // apply applies event n forward (dir 1) or undoes it (dir -1).
  apply(n, dir) {
    const ev = this.m.events[n]; const d = ev.diff;
    const [eUp, eDown, nUp, nDown] = dir > 0 ? [d.eAdd, d.eDel, d.nAdd, d.nDel] : [d.eDel, d.eAdd, d.nDel, d.nAdd];
    for (const e of eUp) { this.edgeCount[e]++; this.dirtyEdges.add(e); }
    for (const e of eDown) { this.edgeCount[e]--; this.dirtyEdges.add(e); }
    for (const x of nUp) { this.nodeCount[x]++; this.dirtyNodes.add(x); }
    for (const x of nDown) { this.nodeCount[x]--; this.dirtyNodes.add(x); }
    if (ev.oldOrigin >= 0) this.route(ev.peer, ev.oldOrigin, -dir);
    if (ev.origin >= 0) this.route(ev.peer, ev.origin, dir);
    if (ev.oldOrigin >= 0 || ev.origin >= 0) this.dirtyNodes.add(ev.peer);
  }

  /** moveTo moves to event index (−1 = the initial state). */
  moveTo(index) {
    index = Math.max(-1, Math.min(this.m.events.length - 1, index));
    while (this.current < index) this.apply(++this.current, 1);
    while (this.current > index) this.apply(this.current--, -1);
    return this.current;
  }

  /** takeDirty returns and forgets the edges and nodes changed since the last call. */
  takeDirty() {
    const out = { edges: this.dirtyEdges, nodes: this.dirtyNodes };
    this.dirtyEdges = new Set(); this.dirtyNodes = new Set();
    return out;
  }

  /** peerOrigins returns the origin indexes peer node p currently routes to. */
  peerOrigins(p) {
    const j = this.m.peerIx.get(p); const no = this.m.origins.length; const out = [];
    for (let o = 0; o < no; o++) if (this.peerOrigin[j * no + o] > 0) out.push(o);
    return out;
  }
}

/** indexAt returns the index of the last event at or before unix time t (−1 if none). */
export function indexAt(events, t) {
  let lo = 0; let hi = events.length - 1; let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].t <= t) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

/** isStep tells whether event ev counts as a step (re-announcements and no-op withdrawals may not). */
export function isStep(ev, ignoreReannouncements) {
  if (ev.kind === 'noop') return false;
  return !(ignoreReannouncements && ev.kind === 'same');
}
