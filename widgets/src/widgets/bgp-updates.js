// bgp-updates: the update activity of a resource — announcements and
// withdrawals per time bin (drag to zoom) — and the latest updates.
import { h } from '../core/dom.js';
import { parseTime, fmtTime } from '../core/time.js';
import { table } from '../core/table.js';
import { num, asPath, resLink, empty } from '../core/fmt.js';
import { select, pointer, scaleUtc, scaleLinear, axisLeft } from '../core/d3.js';
import { colour, responsive, tooltip, tipRow, timeAxis, timeBrush, zoomTo, zoomControls, windowCaption } from '../core/chart.js';

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
const LATEST = 200;

// bins counts announcements and withdrawals per step over [t0, t1).
function binned(ups, t0, t1, target) {
  const span = Math.max(1, (t1 - t0) / 1000);
  const step = STEPS.find((s) => span / s <= target) || STEPS[STEPS.length - 1];
  const start = Math.floor(t0 / 1000 / step) * step * 1000;
  const n = Math.max(1, Math.ceil((t1 - start) / 1000 / step));
  const bins = Array.from({ length: n }, (_, i) => ({ s: start + i * step * 1000, e: start + (i + 1) * step * 1000, a: 0, w: 0 }));
  for (const u of ups) {
    const i = Math.floor((u.t - start) / 1000 / step);
    if (i < 0 || i >= n) continue;
    if (u.type === 'W') bins[i].w++; else bins[i].a++;
  }
  return { bins, step };
}

// stepText is a bin size: "30 s", "5 min", "1 h", "1 d".
function stepText(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${s / 60} min`;
  if (s < 86400) return `${s / 3600} h`;
  return `${s / 86400} d`;
}

// peerName turns a source_id "00-192.0.2.1" into "rrc00 192.0.2.1".
function peerName(id) {
  const m = /^(\d{2,3})-(.*)$/.exec(id || '');
  if (m) return `rrc${m[1]} ${m[2]}`;
  const i = (id || '').lastIndexOf('-');
  return i > 0 ? `${id.slice(0, i)} ${id.slice(i + 1)}` : id;
}

export default {
  name: 'bgp-updates',
  aliases: ['bgp-update-activity'],
  title: 'BGP update activity',
  calls: ['bgp-updates'],
  kinds: ['asn', 'prefix', 'ip'],
  params: ['resource', 'starttime', 'endtime', 'rrcs', 'unix_timestamps'],
  source: 'Every BGP UPDATE the collectors\' peers sent for the resource, from this server\'s route index and MRT archives (the bgp-updates data call).',
  info: `How busy the resource was in BGP: the number of announcements (blue) and withdrawals (red) the collectors' peers sent per time bin. Bursts are route changes — a new origin, a path change, a flap or an outage. For an AS, its prefixes' updates; for a prefix, also those of its more-specifics.

Hover a bar for its counts; drag across the chart to zoom into a time window. The table lists the latest updates: time, type (A = announcement, W = withdrawal), the peer (collector and peer address), the prefix, the AS path (origin in bold) and communities. "rrcs" limits the collectors.`,
  css: `.stats{display:flex;flex-wrap:wrap;gap:.3em 1.4em;margin-bottom:.4em;font-size:13px}.stats b{font-variant-numeric:tabular-nums}
.a{fill:var(--c-ann)}.w{fill:var(--c-wd)}.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:.3em;vertical-align:-1px}
.sw.a{background:var(--c-ann)}.sw.w{background:var(--c-wd)}.hlbin{fill:var(--c-fg);fill-opacity:.06;pointer-events:none}
.ty{font:600 11px var(--mono);padding:0 .35em;border-radius:3px}.ty.A{color:var(--c-ann);border:1px solid}.ty.W{color:var(--c-wd);border:1px solid}
.comm{font-family:var(--mono);font-size:11.5px;color:var(--c-muted)}.unit{fill:var(--c-muted);font-size:11px}.stats{margin:0}`,
  async render(el, ctx) {
    const d = await ctx.data('bgp-updates', ctx.params);
    const t0 = parseTime(d.query_starttime); const t1 = parseTime(d.query_endtime);
    ctx.caption(windowCaption(t0, t1));
    const ups = (d.updates || []).map((u) => ({ ...u, t: parseTime(u.timestamp).getTime() }));
    const root = h('div', { class: 'w-bgp-updates' });
    el.append(root);
    const nA = ups.filter((u) => u.type !== 'W').length;
    const prefixes = new Set(ups.map((u) => u.attrs && u.attrs.target_prefix));
    const peers = new Set(ups.map((u) => u.attrs && u.attrs.source_id));
    const origins = new Set(ups.filter((u) => u.attrs && u.attrs.path && u.attrs.path.length).map((u) => u.attrs.path[u.attrs.path.length - 1]));
    root.append(h('div', { class: 'toolbar' }, h('div', { class: 'stats' },
      h('span', null, h('b', null, num(d.nr_updates ?? ups.length)), ' updates'),
      h('span', null, h('span', { class: 'sw a' }), h('b', null, num(nA)), ' announcements'),
      h('span', null, h('span', { class: 'sw w' }), h('b', null, num(ups.length - nA)), ' withdrawals'),
      ups.length ? [h('span', null, h('b', null, num(prefixes.size)), ' prefixes'), h('span', null, h('b', null, num(peers.size)), ' peers'),
        h('span', null, h('b', null, num(origins.size)), ` origin${origins.size === 1 ? '' : 's'}`)] : null),
      h('span', { class: 'grow' }), ups.length ? zoomControls(ctx) : null));
    if (!ups.length) {
      root.append(empty(d.nr_updates ? `${num(d.nr_updates)} updates: too many to list here — zoom into a shorter window.` : 'No BGP updates for this resource in this window.'));
      return d;
    }
    const box = h('div', { class: 'chart' });
    root.append(box);
    const tip = tooltip(box);
    const s0 = t0 ? t0.getTime() : ups[0].t; const s1 = t1 ? t1.getTime() : ups[ups.length - 1].t + 1000;
    const draw = (width) => {
      const old = box.querySelector('svg');
      if (old) old.remove();
      const W = Math.max(300, width); const H = 170; const M = { l: 44, r: 10, t: 8, b: 24 };
      const { bins, step } = binned(ups, s0, s1, Math.max(30, Math.min(160, Math.floor((W - M.l) / 7))));
      const x = scaleUtc().domain([new Date(bins[0].s), new Date(bins[bins.length - 1].e)]).range([M.l, W - M.r]);
      const peak = Math.max(1, ...bins.map((b) => b.a + b.w));
      const y = scaleLinear().domain([0, peak]).nice().range([H - M.b, M.t]);
      const svg = h('svg:svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `BGP updates per ${stepText(step)}: peak ${peak}` });
      const grid = h('svg:g', { class: 'grid', transform: `translate(${M.l},0)` });
      const yaxis = h('svg:g', { class: 'axis', transform: `translate(${M.l},0)` });
      select(grid).call(axisLeft(y).ticks(4).tickSize(-(W - M.l - M.r)).tickFormat(''));
      select(yaxis).call(axisLeft(y).ticks(4, 's').tickSizeOuter(0));
      const hl = h('svg:rect', { class: 'hlbin', y: M.t, height: H - M.b - M.t, x: 0, width: 0, visibility: 'hidden' });
      const bars = h('svg:g');
      for (const b of bins) {
        if (!b.a && !b.w) continue;
        const bx = x(new Date(b.s)) + 0.5; const bw = Math.max(1, x(new Date(b.e)) - x(new Date(b.s)) - 1);
        if (b.a) bars.append(h('svg:rect', { class: 'a', x: bx.toFixed(1), width: bw.toFixed(1), y: y(b.a).toFixed(1), height: (y(0) - y(b.a)).toFixed(1) }));
        if (b.w) bars.append(h('svg:rect', { class: 'w', x: bx.toFixed(1), width: bw.toFixed(1), y: y(b.a + b.w).toFixed(1), height: (y(b.a) - y(b.a + b.w)).toFixed(1) }));
      }
      const axis = h('svg:g', { transform: `translate(0,${H - M.b})` });
      const brush = h('svg:g');
      const unit = h('svg:text', { x: M.l + 6, y: M.t + 10, class: 'unit' }, `updates per ${stepText(step)}`);
      svg.append(grid, hl, bars, yaxis, axis, unit, brush);
      timeAxis(axis, x, W - M.l);
      timeBrush(brush, x, H - M.b, (a, b) => zoomTo(ctx, a, b));
      box.prepend(svg);
      select(svg).on('pointermove', (ev) => {
        const [mx] = pointer(ev, svg);
        const t = x.invert(mx).getTime();
        const b = bins.find((q) => q.s <= t && t < q.e);
        if (!b || mx < M.l) { tip.hide(); hl.setAttribute('visibility', 'hidden'); return; }
        hl.setAttribute('x', x(new Date(b.s)));
        hl.setAttribute('visibility', 'visible');
        hl.setAttribute('width', Math.max(1, x(new Date(b.e)) - x(new Date(b.s))));
        tip.show(ev, h('b', null, `${fmtTime(new Date(b.s), { zone: false })} – ${fmtTime(new Date(b.e), { zone: false }).slice(11)}`),
          tipRow('announcements', num(b.a)), tipRow('withdrawals', num(b.w)));
      }).on('pointerleave', () => { tip.hide(); hl.setAttribute('visibility', 'hidden'); });
    };
    responsive(box, ctx.width(), draw);
    const latest = ups.slice(-LATEST).reverse();
    // Origins coloured by how many updates carry them (MOAS stands out).
    const oc = new Map();
    for (const u of ups) if (u.attrs.path && u.attrs.path.length) { const o = u.attrs.path[u.attrs.path.length - 1]; oc.set(o, (oc.get(o) || 0) + 1); }
    const oi = new Map([...oc.entries()].sort((a, b) => b[1] - a[1]).map(([o], i) => [o, i]));
    const cols = [
      { key: 't', label: 'Time (UTC)', num: true, render: (u) => h('span', { class: 'nowrap mono' }, fmtTime(new Date(u.t), { zone: false })) },
      { key: 'type', label: 'Type', render: (u) => h('span', { class: `ty ${u.type === 'W' ? 'W' : 'A'}`, title: u.type === 'W' ? 'withdrawal' : 'announcement' }, u.type) },
      { key: 'peer', label: 'Peer', render: (u) => h('span', { class: 'mono nowrap' }, peerName(u.attrs.source_id)), sort: (u) => u.attrs.source_id },
      { key: 'prefix', label: 'Prefix', render: (u) => resLink(ctx, u.attrs.target_prefix), sort: (u) => u.attrs.target_prefix },
      { key: 'path', label: 'AS path', render: (u) => (u.attrs.path && u.attrs.path.length
        ? h('span', { class: 'nowrap' }, h('span', { class: 'chip', style: { background: colour(oi.get(u.attrs.path[u.attrs.path.length - 1])) } }), asPath(ctx, u.attrs.path))
        : h('span', { class: 'muted' }, '—')), sort: (u) => (u.attrs.path || []).join(' ') },
      { key: 'community', label: 'Communities', render: (u) => h('span', { class: 'comm' }, (u.attrs.community || []).join(' ')), sort: (u) => (u.attrs.community || []).join(' ') },
    ];
    root.append(h('details', { open: true }, h('summary', null, ups.length > LATEST ? `Latest ${LATEST} of ${num(ups.length)} updates` : `All ${num(ups.length)} updates, newest first`),
      h('div', { class: 'inner scroll', style: { 'max-height': '320px' } }, table(cols, latest, { sort: { key: 't', desc: true } }))));
    return d;
  },
};
