// BGPlay's layout: positions for every node that appears at any time in
// the window, computed once with d3-force over the union of all paths, so
// that nothing moves while the routes change. Origins sit in the middle,
// each AS on a ring by its hop distance to the origin, collector peers
// outside their first AS. A radial tree seeds the simulation so that
// subtrees stay in their own sectors.
import { forceSimulation, forceLink, forceManyBody, forceCollide, forceRadial } from '../core/d3.js';

/** radius is a node's drawn radius. */
export function radius(n, maxUse) {
  if (n.type === 'peer') return 4;
  if (n.origin) return 13;
  return 5 + 4 * Math.sqrt(n.use / Math.max(1, maxUse));
}

/**
 * layout sets x, y (and r) on every model node; returns the ring spacing.
 * ticks bounds the work (the simulation runs synchronously, once).
 * Also sets bx, by: the layout's own positions, x, y may be stretched later.
 */
export function layout(model, { ticks = 170 } = {}) {
  const { nodes, edges } = model;
  const maxUse = nodes.reduce((m, n) => (n.type === 'as' && !n.origin ? Math.max(m, n.use) : m), 1);
  for (const n of nodes) n.r = radius(n, maxUse);

  // undirected links of the union graph, and each node's parent toward an origin
  const pairs = new Map();
  const parent = new Int32Array(nodes.length).fill(-1);
  for (const e of edges) {
    const k = e.a < e.b ? `${e.a}-${e.b}` : `${e.b}-${e.a}`;
    if (!pairs.has(k)) pairs.set(k, { source: e.a, target: e.b, peer: e.peer });
    // a's parent is the neighbour one hop closer to an origin, the busiest one
    if (nodes[e.b].level === nodes[e.a].level - 1) {
      const p = parent[e.a];
      if (p < 0 || nodes[e.b].use > nodes[p].use) parent[e.a] = e.b;
    }
  }
  const links = [...pairs.values()];
  const degree = new Int32Array(nodes.length);
  for (const l of links) { degree[l.source]++; degree[l.target]++; }
  // hubs would pull everything into one sector: links weaken with degree
  for (const l of links) l.strength = l.peer ? 0.9 : 1 / Math.min(degree[l.source], degree[l.target]);

  // ring spacing: enough room on every ring for its nodes
  const perLevel = new Map();
  let maxLevel = 0;
  for (const n of nodes) {
    perLevel.set(n.level, (perLevel.get(n.level) || 0) + (n.type === 'peer' ? 14 : 30));
    maxLevel = Math.max(maxLevel, n.level);
  }
  let ring = 70;
  for (const [lvl, need] of perLevel) if (lvl > 0) ring = Math.max(ring, need / (2 * Math.PI * lvl));
  ring = Math.min(ring, 220);
  const origins = nodes.filter((n) => n.level === 0);
  const originRing = origins.length > 1 ? Math.min(ring * 0.6, 18 * origins.length) : 0;

  // radial tree seed: leaves counted per subtree, sectors by leaf count
  const kids = nodes.map(() => []);
  const roots = [];
  for (const n of nodes) (parent[n.i] >= 0 ? kids[parent[n.i]] : roots).push(n.i);
  const leaves = new Float64Array(nodes.length);
  const count = (i) => { let s = kids[i].length ? 0 : 1; for (const k of kids[i]) s += count(k); leaves[i] = s; return s; };
  let total = 0;
  for (const r of roots) total += count(r);
  const place = (i, a0, a1) => {
    const n = nodes[i]; const mid = (a0 + a1) / 2;
    const rr = n.level === 0 ? originRing : n.level * ring;
    n.x = Math.cos(mid) * rr; n.y = Math.sin(mid) * rr;
    let a = a0;
    // biggest subtrees in the middle of the sector keep edges short
    for (const k of kids[i].sort((x, y) => leaves[y] - leaves[x])) {
      const w = ((a1 - a0) * leaves[k]) / leaves[i];
      place(k, a, a + w); a += w;
    }
  };
  let a = -Math.PI / 2;
  for (const r of roots.sort((x, y) => leaves[y] - leaves[x])) {
    const w = (2 * Math.PI * leaves[r]) / total;
    place(r, a, a + w); a += w;
  }
  // rings crowded into one sector (meshes) get even spacing, same order
  const rings = new Map();
  for (const n of nodes) {
    if (n.type === 'peer') continue; // peers follow their AS
    if (!rings.has(n.level)) rings.set(n.level, []);
    rings.get(n.level).push(n);
  }
  spread(rings, ring, 0.3);

  // first without collisions (the costly force), then with them to settle
  const collide = forceCollide((n) => n.r + (n.type === 'peer' ? 4 : 15));
  const sim = forceSimulation(nodes)
    .alpha(0.6).alphaDecay(1 - Math.pow(0.001, 1 / ticks))
    .force('link', forceLink(links).distance((l) => (l.peer ? 26 : ring * 0.8)).strength((l) => l.strength))
    .force('charge', forceManyBody().strength((n) => (n.type === 'peer' ? -30 : -160)).distanceMax(ring * 2.5).theta(1.1))
    .force('radial', forceRadial((n) => (n.level === 0 ? originRing : n.level * ring), 0, 0).strength((n) => (n.level === 0 ? 0.4 : 0.7)))
    .stop();
  const settle = Math.round(ticks * 0.4);
  for (let k = 0; k < ticks; k++) {
    if (k === ticks - settle) {
      // meshes still crowd into one side: spread those rings again (peers
      // turn with their AS), then let collisions settle
      const turn = spread(rings, ring, 0.45);
      for (const n of nodes) {
        const d = n.type === 'peer' && parent[n.i] >= 0 ? turn.get(nodes[parent[n.i]]) : undefined;
        if (d) { const c = Math.cos(d); const s = Math.sin(d); [n.x, n.y] = [n.x * c - n.y * s, n.x * s + n.y * c]; }
      }
      sim.force('collide', collide);
    }
    sim.tick();
  }
  // bx, by: the layout; x, y: where it is drawn (graph.js widens it to fit)
  for (const n of nodes) { n.bx = n.x; n.by = n.y; n.vx = 0; n.vy = 0; }
  return ring;
}

// spread places the nodes of each ring (rings: level -> nodes) crowded
// into one side (the mean resultant length of their angles is above
// minClump) at even angles on the ring, in their current angular order.
// Returns how far each moved node turned (radians).
function spread(rings, ring, minClump) {
  const turn = new Map();
  for (const [lvl, ns] of rings) {
    if (lvl === 0 || ns.length < 8) continue;
    const ang = new Map(ns.map((n) => [n, Math.atan2(n.y, n.x)]));
    let cx = 0; let cy = 0;
    for (const a of ang.values()) { cx += Math.cos(a); cy += Math.sin(a); }
    if (Math.hypot(cx, cy) / ns.length < minClump) continue;
    ns.sort((p, q) => ang.get(p) - ang.get(q));
    // start where the even spacing moves nodes least
    let off = 0;
    ns.forEach((n, j) => { off += Math.atan2(Math.sin(ang.get(n) - (2 * Math.PI * j) / ns.length), Math.cos(ang.get(n) - (2 * Math.PI * j) / ns.length)); });
    off /= ns.length;
    ns.forEach((n, j) => {
      const even = off + (2 * Math.PI * j) / ns.length;
      turn.set(n, even - ang.get(n));
      n.x = Math.cos(even) * lvl * ring; n.y = Math.sin(even) * lvl * ring;
    });
  }
  return turn;
}
