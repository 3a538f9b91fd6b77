// announced-prefixes: the prefixes an AS originated in a window, in a
// sortable, filterable table with a small timeline per prefix.
import { h } from '../core/dom.js';
import { parseTime, fmtTime, fmtDuration } from '../core/time.js';
import { table } from '../core/table.js';
import { num, resLink, empty } from '../core/fmt.js';
import { windowCaption } from '../core/chart.js';

// spark draws the timelines of one prefix over the window [t0, t1].
function spark(lines, t0, t1) {
  const W = 400; const span = Math.max(1, t1 - t0);
  const svg = h('svg:svg', { width: '100%', height: 12, viewBox: `0 0 ${W} 12`, preserveAspectRatio: 'none', class: 'spark', 'aria-hidden': 'true' },
    h('svg:rect', { x: 0, y: 3, width: W, height: 6, rx: 2, class: 'track' }));
  for (const l of lines) {
    const x = ((l.s - t0) / span) * W;
    const w = Math.max(1.5, ((l.e - l.s) / span) * W);
    svg.append(h('svg:rect', { x: x.toFixed(1), y: 2, width: w.toFixed(1), height: 8, rx: 1.5, class: 'on' },
      h('svg:title', null, `${fmtTime(new Date(l.s))} – ${fmtTime(new Date(l.e))}`)));
  }
  return svg;
}

export default {
  name: 'announced-prefixes',
  title: 'Announced prefixes',
  calls: ['announced-prefixes'],
  kinds: ['asn'],
  params: ['resource', 'starttime', 'endtime', 'min_peers_seeing'],
  source: 'Computed by this server from the origin intervals of its route index: every route its collectors saw, to the second (the announced-prefixes data call).',
  info: `The prefixes the AS originated during the time window, each with the time ranges in which at least "min_peers_seeing" peers (default 10) saw it announced with this AS as the origin.

First and last seen are the ends of those ranges inside the window; "seen" is their total length. The bar shows the ranges across the whole window (hover a range for its times). Click a column header to sort, type in the filter to narrow the list. Prefixes seen by fewer peers are left out (the note under the table says how many).`,
  css: `.spark .track{fill:var(--c-track)}.spark .on{fill:var(--c-accent)}
.summary{display:flex;flex-wrap:wrap;gap:.3em 1.4em;margin-bottom:.5em;font-size:13px}.summary b{font-variant-numeric:tabular-nums}
th[data-sort=n]{width:36%;font-weight:500}td:last-child{padding-top:.5em;min-width:140px}.spark{display:block}`,
  async render(el, ctx) {
    const d = await ctx.data('announced-prefixes', ctx.params);
    const t0 = parseTime(d.query_starttime); const t1 = parseTime(d.query_endtime);
    ctx.caption(windowCaption(t0, t1));
    const s0 = t0 ? t0.getTime() : 0; const s1 = t1 ? t1.getTime() : Date.now();
    // A timeline reaching the window's end or the latest data is still seen.
    const lt = parseTime(d.latest_time);
    const nowEnd = Math.min(s1, lt ? lt.getTime() : s1);
    const rows = (d.prefixes || []).map((p) => {
      const lines = (p.timelines || []).map((t) => ({ s: parseTime(t.starttime).getTime(), e: parseTime(t.endtime).getTime() }));
      const first = Math.min(...lines.map((l) => l.s)); const last = Math.max(...lines.map((l) => l.e));
      return { prefix: p.prefix, v6: p.prefix.includes(':'), lines, first, last, seen: lines.reduce((a, l) => a + (l.e - l.s), 0) / 1000, n: lines.length };
    });
    const root = h('div', { class: 'w-announced-prefixes' });
    el.append(root);
    if (!rows.length) {
      root.append(empty('No prefixes originated by this AS in this window.'));
      return d;
    }
    const v4 = rows.filter((r) => !r.v6).length;
    root.append(h('div', { class: 'summary' },
      h('span', null, h('b', null, num(rows.length)), ' prefixes'),
      h('span', null, h('b', null, num(v4)), ' IPv4'), h('span', null, h('b', null, num(rows.length - v4)), ' IPv6'),
      h('span', { class: 'muted' }, `seen by ≥ ${(d.parameters && d.parameters.min_peers_seeing) ?? ctx.params.min_peers_seeing ?? 10} peers`)));
    const cols = [
      { key: 'prefix', label: 'Prefix', render: (r) => resLink(ctx, r.prefix), sort: (r) => r.prefix },
      { key: 'first', label: 'First seen', num: true, render: (r) => h('span', { class: 'nowrap' }, fmtTime(new Date(r.first), { zone: false })) },
      { key: 'last', label: 'Last seen', num: true, render: (r) => h('span', { class: 'nowrap' }, r.last >= nowEnd ? 'still seen' : fmtTime(new Date(r.last), { zone: false })) },
      { key: 'seen', label: 'Seen', num: true, render: (r) => h('span', { class: 'nowrap', title: `${r.n} range${r.n === 1 ? '' : 's'}` }, fmtDuration(r.seen)) },
      { key: 'n', label: `Timeline ${windowCaption(t0, t1).replace(/ UTC$/, '')}`, render: (r) => spark(r.lines, s0, s1), sort: (r) => r.first },
    ];
    const tbl = table(cols, rows, { limit: 1000 });
    const none = empty('No prefix matches the filter.');
    none.hidden = true;
    const holder = h('div', { class: 'scroll' }, tbl, none);
    const draw = (filter) => {
      const f = filter.trim().toLowerCase();
      const list = f ? rows.filter((r) => r.prefix.toLowerCase().includes(f)) : rows;
      tbl.update(list);
      tbl.hidden = !list.length;
      none.hidden = !!list.length;
    };
    if (rows.length > 8) {
      root.append(h('div', { class: 'toolbar' }, h('label', null, 'Filter', h('input', { type: 'search', placeholder: 'e.g. 208.65', 'aria-label': 'filter prefixes', oninput: (e) => draw(e.target.value) }))));
    }
    root.append(holder);
    return d;
  },
};
