// routing-history: a timeline of which origin announced which prefix when,
// and seen by how many peers; drag across it to zoom into a time window.
import { h } from '../core/dom.js';
import { parseTime, fmtTime, fmtDuration } from '../core/time.js';
import { table } from '../core/table.js';
import { num, pct, asText, asLink, resLink, holders, empty, kind } from '../core/fmt.js';
import { select, pointer, scaleUtc } from '../core/d3.js';
import { colour, responsive, tooltip, tipRow, timeAxis, timeBrush, zoomTo, zoomControls, windowCaption } from '../core/chart.js';

const ROW = 24;
const MAXROWS = 300; // rows drawn; the table lists them all

// rowsOf flattens by_origin into chart rows, one per (origin, prefix).
function rowsOf(d) {
  const rows = [];
  const origins = [];
  for (const o of d.by_origin || []) {
    const originAS = String(o.origin).trim().split(/\s+/).pop();
    if (!origins.includes(o.origin)) origins.push(o.origin);
    for (const p of o.prefixes || []) {
      const lines = (p.timelines || []).map((t) => ({ s: parseTime(t.starttime).getTime(), e: parseTime(t.endtime).getTime(), peers: t.full_peers_seeing, vis: t.visibility }))
        .filter((l) => l.e >= l.s).sort((a, b) => a.s - b.s);
      if (!lines.length) continue;
      rows.push({ origin: String(o.origin), originAS, oi: origins.indexOf(o.origin), prefix: p.prefix, lines,
        first: lines[0].s, last: Math.max(...lines.map((l) => l.e)),
        seen: lines.reduce((a, l) => a + (l.e - l.s), 0) / 1000, maxPeers: Math.max(...lines.map((l) => l.peers || 0)) });
    }
  }
  return { rows, origins };
}

export default {
  name: 'routing-history',
  title: 'Routing history',
  calls: ['routing-history'],
  kinds: ['asn', 'prefix', 'ip'],
  params: ['resource', 'starttime', 'endtime', 'min_peers', 'max_rows', 'include_first_hop', 'normalise_visibility'],
  source: 'Computed by this server by replaying every BGP update its route index holds (the routing-history data call) — short events that 8-hourly RIB dumps miss are shown.',
  info: `Which origin AS announced which prefix, when, and seen by how many peers. One row per origin and prefix (for an AS: per prefix it originated); each bar is a time span during which at least "min_peers" peers (default 10) saw the route, and its height is the number of peers seeing it, relative to the most seen in the chart — a hijack seen by a handful of peers is a thin bar next to the owner's thick one.

Hover the chart for the times and peer counts. Drag across it to zoom into a time window. Lower "min peers" to show routes few peers saw (leaks and short-lived hijacks often are). The table below lists every row with its first and last time seen.`,
  css: `.rows .bg{fill:transparent}.rows .bg.alt{fill:var(--c-subtle)}.rows .sep{stroke:var(--c-border)}
.hl{fill:var(--c-accent);fill-opacity:.08;pointer-events:none}.cursor{stroke:var(--c-muted);stroke-dasharray:3 3;pointer-events:none}
.ylabel{font-family:var(--mono);font-size:11px}.ylabel.o{font-weight:600}.chartbox{position:relative}
.rowsbox.scrolling{overflow-y:auto;overflow-x:hidden;border-bottom:1px solid var(--c-border)}.axisbox svg,.rowsbox svg{display:block}`,
  async render(el, ctx) {
    const d = await ctx.data('routing-history', ctx.params);
    const t0 = parseTime(d.query_starttime); const t1 = parseTime(d.query_endtime);
    ctx.caption(windowCaption(t0, t1));
    const { rows: allRows, origins } = rowsOf(d);
    const rows = allRows.slice(0, MAXROWS);
    const isAS = kind(ctx.params.resource) === 'asn';
    const names = await holders(ctx, origins.map((o) => o.split(/\s+/).pop()), 12);
    const root = h('div', { class: 'w-routing-history' });
    el.append(root);
    const minPeers = ctx.params.min_peers ?? (d.parameters && d.parameters.min_peers) ?? 10;
    const sel = h('select', { 'aria-label': 'minimum peers', onchange: (e) => ctx.update({ min_peers: e.target.value }) },
      [1, 2, 3, 5, 10, 20, 50, 100].map((n) => h('option', { value: n, selected: String(n) === String(minPeers) }, String(n))));
    root.append(h('div', { class: 'toolbar' }, h('label', { title: 'routes seen by fewer peers at once are hidden' }, 'Min peers', sel),
      h('span', { class: 'small' }, 'routes seen by fewer peers are hidden'), h('span', { class: 'grow' }), zoomControls(ctx)));
    if (!rows.length) {
      root.append(empty(`No route seen by at least ${minPeers} peer${String(minPeers) === '1' ? '' : 's'} in this window.`));
      return d;
    }
    if (!isAS || origins.length > 1) {
      root.append(h('div', { class: 'legend' }, origins.map((o, i) => h('span', null, h('span', { class: 'chip', style: { background: colour(i) } }),
        asLink(ctx, o.split(/\s+/).pop()), o.includes(' ') ? h('span', { class: 'muted' }, ` via ${o.split(/\s+/).slice(0, -1).join(' ')}`) : null,
        names.get(Number(o.split(/\s+/).pop())) ? h('span', { class: 'muted small' }, ` ${names.get(Number(o.split(/\s+/).pop()))}`) : null))));
    }
    const box = h('div', { class: 'chartbox chart' });
    root.append(box);
    const tip = tooltip(box);
    const peakAll = Math.max(1, ...rows.map((r) => r.maxPeers));
    const multiPrefix = new Set(rows.map((r) => r.prefix)).size > 1;
    const label = (r) => (isAS ? r.prefix : multiPrefix ? `${asText(r.originAS)}  ${r.prefix}` : asText(r.originAS));
    const originW = 14 + 6.9 * Math.max(...rows.map((r) => asText(r.originAS).length));
    const labelW = Math.min(300, 16 + 6.9 * Math.max(...rows.map((r) => label(r).length)));
    // Many rows scroll under a fixed time axis.
    const VISIBLE = 16;
    const scroll = rows.length > VISIBLE;
    const rowsBox = h('div', { class: scroll ? 'rowsbox scrolling' : 'rowsbox', style: scroll ? { 'max-height': `${VISIBLE * ROW + 6}px` } : null });
    const axisBox = h('div', { class: scroll ? 'axisbox scrolling' : 'axisbox' });
    box.prepend(rowsBox, axisBox);
    const draw = (width) => {
      rowsBox.replaceChildren();
      axisBox.replaceChildren();
      const W = Math.max(300, width - (scroll ? 16 : 0)); const M = { l: labelW, r: 12, t: 6, b: 0 };
      const H = M.t + rows.length * ROW;
      const x = scaleUtc().domain([t0 || new Date(Math.min(...rows.map((r) => r.first))), t1 || new Date(Math.max(...rows.map((r) => r.last)))]).range([M.l, W - M.r]);
      const svg = h('svg:svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `routing history of ${ctx.params.resource}: ${rows.length} rows` });
      const g = h('svg:g', { class: 'rows' });
      rows.forEach((r, i) => {
        const y = M.t + i * ROW;
        g.append(h('svg:rect', { class: i % 2 ? 'bg alt' : 'bg', x: 0, y, width: W, height: ROW }));
        if (i && rows[i - 1].origin !== r.origin) g.append(h('svg:line', { class: 'sep', x1: 0, x2: W, y1: y, y2: y }));
        const txt = h('svg:text', { class: !isAS && (i === 0 || rows[i - 1].origin !== r.origin) ? 'ylabel o' : 'ylabel', x: 6, y: y + ROW / 2 + 4 });
        if (isAS || !multiPrefix) txt.textContent = label(r);
        else {
          const first = i === 0 || rows[i - 1].origin !== r.origin;
          if (first) txt.append(h('svg:tspan', null, asText(r.originAS)));
          txt.append(h('svg:tspan', { x: originW, 'font-weight': 400 }, r.prefix));
        }
        g.append(txt);
        const bars = h('svg:g', { style: { fill: colour(r.oi) }, 'shape-rendering': 'crispEdges' });
        for (const l of r.lines) {
          // sqrt: a route few peers see stays visible next to one all see.
          const bh = Math.max(3, (ROW - 6) * Math.sqrt(Math.min(1, (l.peers || 0) / peakAll)));
          const x0 = x(new Date(l.s)); const x1 = x(new Date(l.e));
          bars.append(h('svg:rect', { x: x0.toFixed(1), width: Math.max(1, x1 - x0).toFixed(1), y: (y + ROW - 3 - bh).toFixed(1), height: bh.toFixed(1) }));
        }
        g.append(bars);
      });
      const hl = h('svg:rect', { class: 'hl', x: 0, width: W, height: ROW, y: 0, visibility: 'hidden' });
      const cursor = h('svg:line', { class: 'cursor', y1: M.t, y2: H - M.b, visibility: 'hidden' });
      const brush = h('svg:g');
      svg.append(g, hl, cursor, brush);
      timeBrush(brush, x, H, (a, b) => zoomTo(ctx, a, b));
      rowsBox.append(svg);
      const axis = h('svg:g');
      axisBox.append(h('svg:svg', { width: W, height: 24, viewBox: `0 0 ${W} 24`, 'aria-hidden': 'true' }, axis));
      timeAxis(axis, x, W - M.l);
      const s = select(svg);
      const hide = () => { tip.hide(); hl.setAttribute('visibility', 'hidden'); cursor.setAttribute('visibility', 'hidden'); };
      s.on('pointermove', (ev) => {
        const [mx, my] = pointer(ev, svg);
        const i = Math.floor((my - M.t) / ROW);
        if (mx < M.l || i < 0 || i >= rows.length) { hide(); return; }
        const r = rows[i]; const t = x.invert(mx).getTime();
        hl.setAttribute('y', M.t + i * ROW);
        hl.setAttribute('visibility', 'visible');
        cursor.setAttribute('x1', mx); cursor.setAttribute('x2', mx); cursor.setAttribute('visibility', 'visible');
        const l = r.lines.find((q) => q.s <= t && t < Math.max(q.e, q.s + 1000));
        const holder = names.get(Number(r.originAS));
        tip.show(ev, h('div', null, h('b', null, asText(r.originAS)), holder ? h('span', { class: 'muted' }, ` ${holder}`) : null),
          h('div', { class: 'mono' }, r.prefix), r.origin.includes(' ') ? tipRow('first hop', r.origin.split(/\s+/)[0]) : null,
          l ? [tipRow('from', fmtTime(new Date(l.s), { zone: false })), tipRow('to', fmtTime(new Date(l.e), { zone: false })),
            tipRow('for', fmtDuration((l.e - l.s) / 1000)), tipRow('peers seeing', num(l.peers)),
            l.vis !== undefined && l.vis >= 0 ? tipRow('visibility', pct(l.vis)) : null]
            : tipRow(fmtTime(new Date(t)), 'not seen'));
      });
      s.on('pointerleave', hide);
    };
    responsive(box, ctx.width(), draw);
    if (allRows.length > rows.length) root.append(h('p', { class: 'small muted' }, `The chart shows the first ${rows.length} of ${num(allRows.length)} rows; the table lists them all.`));
    const cols = [
      { key: 'origin', label: 'Origin', render: (r) => h('span', null, h('span', { class: 'chip', style: { background: colour(r.oi) } }), asLink(ctx, r.originAS)), sort: (r) => Number(r.originAS) },
      { key: 'prefix', label: 'Prefix', render: (r) => resLink(ctx, r.prefix) },
      { key: 'first', label: 'First seen', num: true, render: (r) => fmtTime(new Date(r.first), { zone: false }) },
      { key: 'last', label: 'Last seen', num: true, render: (r) => fmtTime(new Date(r.last), { zone: false }) },
      { key: 'seen', label: 'Seen for', num: true, render: (r) => fmtDuration(r.seen) },
      { key: 'maxPeers', label: 'Most peers', num: true, render: (r) => num(r.maxPeers) },
    ];
    root.append(h('details', null, h('summary', null, `Table: ${allRows.length} row${allRows.length === 1 ? '' : 's'}`), h('div', { class: 'inner scroll' }, table(cols, allRows, { limit: 1000 }))));
    return d;
  },
};
