// visibility: per collector, how many of its full-table peers see the
// resource, for IPv4 and IPv6, and which peers do not.
import { h } from '../core/dom.js';
import { parseTime, fmtTime } from '../core/time.js';
import { table } from '../core/table.js';
import { num, pct, asLink, kind, empty } from '../core/fmt.js';

function dataParams(p) {
  const q = { ...p };
  if (!q.query_time && q.endtime) q.query_time = q.endtime;
  return q;
}

// bar is one family's "seeing / total" meter.
function bar(seeing, total) {
  if (!total) return h('span', { class: 'muted small' }, 'no full-table peers');
  const r = seeing / total;
  const cls = r >= 0.9 ? 'ok' : r >= 0.5 ? 'warn' : 'bad';
  return h('div', { class: 'vbar', title: `${seeing} of ${total} full-table peers see it` },
    h('div', { class: 'meter' }, h('span', { class: cls, style: { width: `${Math.max(r ? 2 : 0, r * 100)}%` } })),
    h('span', { class: 'mono small' }, `${num(seeing)}/${num(total)}`), h('b', { class: 'small' }, pct(r)));
}

export default {
  name: 'visibility',
  title: 'Visibility',
  calls: ['visibility'],
  kinds: ['asn', 'prefix', 'ip'],
  params: ['resource', 'query_time', 'include', 'starttime', 'endtime'],
  dataParams,
  source: 'Computed by this server from the routes of every peer of its collectors and their table sizes (the visibility data call).',
  info: `How many of each collector's full-table peers have a route to the resource (for an AS: to at least one of its prefixes), per address family, at "query_time" — the end of the time window when the widget has one, else the latest data.

A full-table peer is one whose table is at least the server's threshold (by default 800,000 IPv4 and 150,000 IPv6 routes); peers with partial tables are not counted, as they would not be expected to see everything. Green means 90% or more see it, amber 50% or more, red less. The list under the bars names the full-table peers that do not see it.`,
  css: `.vbar{display:grid;grid-template-columns:minmax(60px,1fr) auto 3.2em;gap:.5em;align-items:center;min-width:150px}
.vbar .meter{margin:0}.vbar b{text-align:right;font-variant-numeric:tabular-nums}
.meter .ok{background:var(--c-ok)}.meter .warn{background:var(--c-warn)}.meter .bad{background:var(--c-bad)}
.sum{display:flex;flex-wrap:wrap;gap:.4em 1.6em;margin-bottom:.6em}.sum .card{min-width:200px;flex:1}
td.c{white-space:nowrap}td.fam{width:34%}`,
  async render(el, ctx) {
    const d = await ctx.data('visibility', dataParams(ctx.params));
    ctx.caption(d.query_time ? `at ${fmtTime(parseTime(d.query_time))}` : '');
    const res = String(d.resource || ctx.params.resource || '');
    const k = kind(res);
    const fams = k === 'asn' ? ['ipv4', 'ipv6'] : res.includes(':') ? ['ipv6'] : ['ipv4'];
    const rows = (d.visibilities || []).map((v) => {
      const r = { name: v.probe.name, where: [v.probe.city, v.probe.country].filter(Boolean).join(', '), ixp: v.probe.ixp, probe: v.probe, missing: [] };
      for (const f of ['ipv4', 'ipv6']) {
        const total = v[`${f}_full_table_peer_count`] || 0;
        const not = v[`${f}_full_table_peers_not_seeing`] || [];
        r[f] = { total, seeing: total - not.length };
        if (fams.includes(f)) for (const p of not) r.missing.push({ collector: v.probe.name, fam: f === 'ipv4' ? 'IPv4' : 'IPv6', ...p });
      }
      return r;
    });
    const root = h('div', { class: 'w-visibility' });
    el.append(root);
    if (!rows.length) {
      root.append(empty('No collector has routes at this time.'));
      return d;
    }
    const tot = (f) => rows.reduce((a, r) => ({ seeing: a.seeing + r[f].seeing, total: a.total + r[f].total }), { seeing: 0, total: 0 });
    if (rows.length > 1) root.append(h('div', { class: 'sum' }, fams.map((f) => {
      const t = tot(f);
      return h('div', { class: 'card' }, h('h3', null, `${f === 'ipv4' ? 'IPv4' : 'IPv6'} — all collectors`), bar(t.seeing, t.total));
    })));
    if (fams.every((f) => tot(f).total === 0)) {
      root.append(h('p', { class: 'small muted' }, 'None of the collectors has a full-table peer at this time (by this server\'s threshold), so visibility cannot be measured; the peer counts below are all peers.'));
    }
    const cols = [
      { key: 'name', label: 'Collector', render: (r) => h('span', { class: 'c mono', title: r.ixp || null }, r.name) },
      { key: 'where', label: 'Location', render: (r) => h('span', { class: 'small' }, r.where || '–') },
      { key: 'peers', label: 'Peers', num: true, render: (r) => h('span', { title: 'all IPv4 / IPv6 peers' }, `${num(r.probe.ipv4_peer_count)} / ${num(r.probe.ipv6_peer_count)}`), sort: (r) => r.probe.ipv4_peer_count + r.probe.ipv6_peer_count },
      ...fams.map((f) => ({ key: f, label: `${f === 'ipv4' ? 'IPv4' : 'IPv6'} full-table peers seeing`, render: (r) => bar(r[f].seeing, r[f].total),
        sort: (r) => (r[f].total ? r[f].seeing / r[f].total : -1) })),
    ];
    root.append(h('div', { class: 'scroll' }, table(cols, rows, { sort: { key: 'name' } })));
    const miss = rows.flatMap((r) => r.missing);
    if (miss.length) {
      root.append(h('details', null, h('summary', null, `Full-table peers not seeing it (${num(miss.length)})`),
        h('div', { class: 'inner scroll', style: { 'max-height': '300px' } }, table([
          { key: 'collector', label: 'Collector', render: (r) => h('span', { class: 'mono' }, r.collector) },
          { key: 'fam', label: 'Family' },
          { key: 'asn', label: 'Peer AS', num: true, render: (r) => asLink(ctx, r.asn) },
          { key: 'ip', label: 'Peer address', render: (r) => h('span', { class: 'mono' }, r.ip) },
          { key: 'prefix_count', label: 'Table size', num: true, render: (r) => num(r.prefix_count) },
        ], miss))));
    }
    return d;
  },
};
