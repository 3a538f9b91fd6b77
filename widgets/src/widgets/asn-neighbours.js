// asn-neighbours: an AS and its neighbours in AS paths — a force-directed
// graph (upstream side left, downstream side right) and a sortable table.
import { h } from '../core/dom.js';
import { parseTime, fmtTime } from '../core/time.js';
import { table } from '../core/table.js';
import { num, asText, asLink, empty } from '../core/fmt.js';
import { select, drag, forceSimulation, forceLink, forceManyBody, forceX, forceY, forceCollide, scaleSqrt } from '../core/d3.js';
import { responsive, tooltip, tipRow } from '../core/chart.js';

const GRAPH_MAX = 60; // neighbours drawn (by power); the table lists all
const typeColour = { left: 'var(--p0)', right: 'var(--p2)', uncertain: 'var(--p9)' };
const typeText = { left: 'left — upstream side (towards the collectors)', right: 'right — downstream side (towards the origins)', uncertain: 'uncertain — seen only as a direct peer of a collector' };

function dataParams(p) {
  const q = { ...p };
  if (!q.query_time && q.endtime) q.query_time = q.endtime;
  return q;
}

// normalise reads layouts 3.2 and 4.1 alike.
function normalise(n) {
  const det = n.details || {};
  return { asn: n.asn, type: n.type || n.position || 'uncertain', power: n.power ?? det.path_count ?? 0,
    v4: n.v4_peers ?? (det.peer_count && det.peer_count.v4) ?? 0, v6: n.v6_peers ?? (det.peer_count && det.peer_count.v6) ?? 0 };
}

export default {
  name: 'asn-neighbours',
  title: 'AS neighbours',
  calls: ['asn-neighbours'],
  kinds: ['asn'],
  params: ['resource', 'query_time', 'lod', 'preferred_version', 'starttime', 'endtime'],
  dataParams,
  source: 'Computed by this server from the AS paths of every route its collectors\' peers hold at the time (the asn-neighbours data call).',
  info: `The ASes next to this AS in the AS paths routed at one time ("query_time", else the end of the time window, else the latest data).

Left neighbours (blue) appear between the AS and the collectors: its upstreams and peers. Right neighbours (green) appear between the AS and the origins: its customers. "Uncertain" (grey) neighbours were only seen as the collector's own peer, which may be an artefact of the collector session itself.

Power is the number of distinct AS paths with the adjacency; IPv4/IPv6 peers count the routes (prefix × peer) that carry it. The graph draws the ${GRAPH_MAX} most powerful neighbours, sized by power; drag nodes to untangle, hover for details, click to open a neighbour. The table lists all.`,
  css: `.graph .link{stroke:var(--c-muted);stroke-opacity:.35}.graph .node circle{stroke:var(--c-bg);stroke-width:1.5}
.graph .node text{font-family:var(--mono);font-size:10.5px;paint-order:stroke;stroke:var(--c-bg);stroke-width:3px;stroke-linejoin:round}
.graph .node{cursor:grab}.graph .node.centre text{font-size:12px;font-weight:700}.graph a:focus-visible circle{stroke:var(--c-accent);stroke-width:3}
.graph .side{font-size:11px;fill:var(--c-muted);text-transform:uppercase;letter-spacing:.06em}
.counts{display:flex;flex-wrap:wrap;gap:.3em 1.3em;font-size:13px;margin-bottom:.3em}.counts b{font-variant-numeric:tabular-nums}
.tpill{font-size:11.5px;border:1px solid currentColor;border-radius:9px;padding:0 .5em}
.w-asn-neighbours{container-type:inline-size}.split{display:grid;grid-template-columns:minmax(0,1fr);gap:.6em 1.2em;align-items:start}
@container (min-width:980px){.split{grid-template-columns:minmax(0,1.5fr) minmax(360px,1fr)}}`,
  async render(el, ctx) {
    const d = await ctx.data('asn-neighbours', dataParams(ctx.params));
    const qt = parseTime(d.query_time || d.query_endtime);
    ctx.caption(qt ? `at ${fmtTime(qt)}` : '');
    const list = (d.neighbours || []).map(normalise);
    const c = d.neighbour_counts || {};
    const root = h('div', { class: 'w-asn-neighbours' });
    el.append(root);
    const chip = (t) => h('span', { class: 'chip', style: { background: typeColour[t] } });
    root.append(h('div', { class: 'counts' },
      h('span', null, h('b', null, num(c.unique ?? list.length)), ' neighbours'),
      h('span', null, chip('left'), h('b', null, num(c.left)), ' left'), h('span', null, chip('right'), h('b', null, num(c.right)), ' right'),
      h('span', null, chip('uncertain'), h('b', null, num(c.uncertain)), ' uncertain')));
    if (!list.length) {
      root.append(empty('No neighbours: the AS is in no AS path routed at this time.'));
      return d;
    }
    const box = h('div', { class: 'chart graph' });
    const side = h('div', { class: 'side-table' });
    const graphCol = h('div', null, box);
    root.append(h('div', { class: 'split' }, graphCol, side));
    const tip = tooltip(box);
    const shown = [...list].sort((a, b) => b.power - a.power).slice(0, GRAPH_MAX);
    const centreAS = String(d.resource);
    responsive(box, ctx.width(), (width) => drawGraph(box, tip, ctx, centreAS, shown, width));
    if (list.length > shown.length) graphCol.append(h('p', { class: 'small muted' }, `The graph shows the ${shown.length} most powerful of ${num(list.length)} neighbours.`));
    const cols = [
      { key: 'asn', label: 'Neighbour', render: (n) => asLink(ctx, n.asn) },
      { key: 'type', label: 'Side', render: (n) => h('span', { class: 'tpill', style: { color: typeColour[n.type] }, title: typeText[n.type] }, n.type) },
      { key: 'power', label: 'Power', num: true, render: (n) => num(n.power) },
      { key: 'v4', label: 'IPv4 peers', num: true, render: (n) => num(n.v4) },
      { key: 'v6', label: 'IPv6 peers', num: true, render: (n) => num(n.v6) },
    ];
    side.append(h('div', { class: 'scroll', style: { 'max-height': '400px' } }, table(cols, list, { sort: { key: 'power', desc: true }, limit: 2000 })));
    return d;
  },
};

// drawGraph lays the neighbours out around the centre AS and draws them.
function drawGraph(box, tip, ctx, centreAS, list, width) {
  const old = box.querySelector('svg');
  if (old) old.remove();
  const W = Math.max(300, width); const H = Math.max(300, Math.min(480, 180 + list.length * 8));
  const r = scaleSqrt().domain([0, Math.max(1, ...list.map((n) => n.power))]).range([4, 16]);
  const centre = { id: 'c', asn: centreAS, type: 'centre', fx: W / 2, fy: H * 0.45, radius: 14 };
  const nodes = [centre, ...list.map((n, i) => ({ ...n, id: `n${i}`, radius: r(n.power) }))];
  const tx = { left: W * 0.2, right: W * 0.8, uncertain: W * 0.5, centre: W / 2 };
  const ty = { left: H * 0.45, right: H * 0.45, uncertain: H * 0.78, centre: H * 0.45 };
  // Start from a deterministic spread so layouts are stable between loads.
  nodes.forEach((n, i) => { if (n !== centre) { n.x = tx[n.type] + ((i * 37) % 60) - 30; n.y = ty[n.type] + ((i * 53) % 120) - 60; } });
  const links = nodes.slice(1).map((n) => ({ source: centre, target: n, power: n.power }));
  const sim = forceSimulation(nodes)
    .force('x', forceX((n) => tx[n.type]).strength(0.12))
    .force('y', forceY((n) => ty[n.type]).strength(0.08))
    .force('charge', forceManyBody().strength(-120))
    .force('collide', forceCollide((n) => n.radius + 15).iterations(2))
    .force('link', forceLink(links).distance(Math.min(260, W * 0.25)).strength(0.02))
    .stop();
  const clamp = (n) => { n.x = Math.max(n.radius + 16, Math.min(W - n.radius - 16, n.x)); n.y = Math.max(n.radius + 22, Math.min(H - n.radius - 14, n.y)); };
  // Clamping every tick keeps the collision force working inside the box.
  for (let i = 0; i < 300; i++) { sim.tick(); nodes.forEach(clamp); }
  const peak = Math.max(1, ...list.map((n) => n.power));
  const lw = (p) => 0.8 + 4.2 * Math.sqrt(p / peak);
  const svg = h('svg:svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `AS${centreAS} and ${list.length} neighbours` });
  svg.append(h('svg:text', { class: 'side', x: 6, y: 14 }, '← upstream side'), h('svg:text', { class: 'side', x: W - 6, y: 14, 'text-anchor': 'end' }, 'downstream side →'));
  const lines = links.map((l) => h('svg:line', { class: 'link', 'stroke-width': lw(l.power), x1: l.source.x, y1: l.source.y, x2: l.target.x, y2: l.target.y }));
  svg.append(h('svg:g', null, lines));
  const labelled = new Set(list.slice(0, 30).map((n) => n.asn));
  const groups = nodes.map((n) => {
    const isC = n === centre;
    const g = h('svg:g', { class: isC ? 'node centre' : 'node', transform: `translate(${n.x},${n.y})` },
      h('svg:a', { href: ctx.resourceLink(asText(n.asn)), 'aria-label': isC ? asText(n.asn) : `${asText(n.asn)}, ${n.type} neighbour, power ${n.power}` },
        h('svg:circle', { r: n.radius, style: { fill: isC ? 'var(--p1)' : typeColour[n.type] } }),
        isC || labelled.has(n.asn) ? h('svg:text', { y: n.radius + 12, 'text-anchor': 'middle' }, isC ? asText(n.asn) : String(n.asn)) : null));
    g.addEventListener('pointermove', (ev) => tip.show(ev, h('b', null, asText(n.asn)),
      isC ? h('div', { class: 'muted' }, 'the AS asked about') : [h('div', { class: 'muted' }, typeText[n.type]), tipRow('power', num(n.power)), tipRow('IPv4 peers', num(n.v4)), tipRow('IPv6 peers', num(n.v6))]));
    g.addEventListener('pointerleave', () => tip.hide());
    return g;
  });
  svg.append(h('svg:g', null, groups));
  // Dragging moves a node and its link (the layout is not re-run).
  nodes.forEach((n, i) => {
    if (n === centre) return;
    let moved = false;
    select(groups[i]).call(drag().on('start', () => { moved = false; tip.hide(); }).on('drag', (ev) => {
      moved = true;
      n.x = ev.x; n.y = ev.y; clamp(n);
      groups[i].setAttribute('transform', `translate(${n.x},${n.y})`);
      lines[i - 1].setAttribute('x2', n.x); lines[i - 1].setAttribute('y2', n.y);
    }));
    // A drag must not follow the link.
    groups[i].addEventListener('click', (ev) => { if (moved) { ev.preventDefault(); moved = false; } }, true);
  });
  box.prepend(svg);
}
