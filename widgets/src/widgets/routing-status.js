// routing-status: a resource's routing summary at one time — origins,
// visibility, first/last seen, related prefixes, announced space.
import { h } from '../core/dom.js';
import { parseTime, fmtTime } from '../core/time.js';
import { table } from '../core/table.js';
import { num, pct, asLink, resLink, holders } from '../core/fmt.js';

function meter(label, seen, total) {
  const ratio = total ? seen / total : null;
  return h('div', { class: 'vis' },
    h('div', { class: 'vis-row' }, h('span', { class: 'muted' }, label),
      total ? h('span', { class: 'mono' }, `${num(seen)} / ${num(total)}`) : h('span', { class: 'small muted' }, 'no full-feed peers'),
      h('b', null, total ? pct(ratio) : '')),
    h('div', { class: 'meter', role: 'meter', 'aria-label': `${label} peers seeing`, 'aria-valuemin': 0, 'aria-valuemax': total || 0, 'aria-valuenow': seen || 0 },
      h('span', { style: { width: `${ratio ? Math.max(1.5, ratio * 100) : 0}%` } })));
}

function seenCard(ctx, title, s, queryTime, names) {
  if (!s) return h('div', { class: 'card' }, h('h3', null, title), h('div', { class: 'big muted' }, 'never'), h('div', { class: 'sub' }, 'not seen up to the query time'));
  const t = parseTime(s.time);
  const current = queryTime && t && t.getTime() === queryTime.getTime();
  return h('div', { class: 'card' }, h('h3', null, title),
    h('div', { class: 'big', style: { 'font-size': '15px' } }, current && title === 'Last seen' ? 'still routed' : fmtTime(t, { zone: false })),
    h('div', { class: 'sub' }, resLink(ctx, s.prefix), ' from ', asLink(ctx, s.origin), names.get(Number(s.origin)) ? [' ', names.get(Number(s.origin))] : null));
}

export default {
  name: 'routing-status',
  title: 'Routing status',
  calls: ['routing-status'],
  kinds: ['asn', 'prefix', 'ip'],
  // "timestamp" is accepted too, but not listed: RIPEstat moves it back to
  // the 8-hourly RIB time, so the app's window end would mostly ask for an
  // earlier state than the window shows. Without it: the latest data.
  params: ['resource', 'min_peers_seeing'],
  source: 'Computed by this server from the BGP routes its collectors receive and the MRT archives it indexed (the routing-status data call).',
  info: `A summary of how the resource is routed at one time (the latest data unless "timestamp" is given; RIPEstat moves a given time to the RIB dump time at or before it, 00:00, 08:00 or 16:00 UTC).

Visibility: how many full-feed peers of the collectors have a route to the prefix (for an AS: to one of its prefixes), per address family. 0 of 0 means no peer of this server has a full table by the server's threshold.

First and last seen: when the index first and last saw a route, with its prefix and origin. For a prefix: its origin ASes, and the routed less-specific (covering) and more-specific prefixes. For an AS: the address space it originates (prefixes, addresses or /48s, overlaps counted once) and how many neighbours it has in AS paths.

Only routes seen by at least "min_peers_seeing" peers (default 10) count for origins, related prefixes and announced space.`,
  css: `.vis{margin:.15em 0 .5em}.vis-row{display:flex;gap:.6em;align-items:baseline;font-size:12.5px}.vis-row b{margin-left:auto;font-variant-numeric:tabular-nums}
.origins{display:flex;flex-direction:column;gap:.2em}.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:.2em 1.2em}`,
  async render(el, ctx) {
    const d = await ctx.data('routing-status', ctx.params);
    const qt = parseTime(d.query_time);
    ctx.caption(qt ? `at ${fmtTime(qt)}` : '');
    const isAS = !!d.announced_space;
    const v = d.visibility || {};
    const v4 = v.v4 || {}; const v6 = v.v6 || {};
    const asns = [...(d.origins || []).map((o) => o.origin), d.first_seen && d.first_seen.origin, d.last_seen && d.last_seen.origin].filter(Boolean);
    const names = await holders(ctx, asns, 8);
    const cards = [];
    if (!isAS) {
      cards.push(h('div', { class: 'card' }, h('h3', null, d.origins && d.origins.length > 1 ? `Origins (${d.origins.length} — MOAS)` : 'Origin'),
        d.origins && d.origins.length
          ? h('div', { class: 'origins' }, d.origins.map((o) => asLink(ctx, o.origin, names.get(Number(o.origin)))))
          : h('div', { class: 'big muted' }, 'not announced'),
        d.origins && d.origins.length ? null : h('div', { class: 'sub' }, `by at least ${(d.parameters && d.parameters.min_peers_seeing) ?? 10} peers`)));
    }
    cards.push(h('div', { class: 'card' }, h('h3', null, 'Visibility (full-feed peers)'), meter('IPv4', v4.ris_peers_seeing, v4.total_ris_peers), meter('IPv6', v6.ris_peers_seeing, v6.total_ris_peers)));
    if (isAS) {
      const sp = d.announced_space;
      cards.push(h('div', { class: 'card' }, h('h3', null, 'Announced IPv4'), h('div', { class: 'big' }, num(sp.v4.prefixes), h('span', { class: 'sub' }, sp.v4.prefixes === 1 ? ' prefix' : ' prefixes')),
        h('div', { class: 'sub' }, `${num(sp.v4.ips)} addresses${sp.v4.ips >= 256 ? ` (${num(sp.v4.ips / 256)} × /24)` : ''}`)));
      cards.push(h('div', { class: 'card' }, h('h3', null, 'Announced IPv6'), h('div', { class: 'big' }, num(sp.v6.prefixes), h('span', { class: 'sub' }, sp.v6.prefixes === 1 ? ' prefix' : ' prefixes')),
        h('div', { class: 'sub' }, `${num(sp.v6['48s'])} × /48`)));
      cards.push(h('div', { class: 'card' }, h('h3', null, 'Observed neighbours'), h('div', { class: 'big' }, num(d.observed_neighbours)), h('div', { class: 'sub' }, 'adjacent ASes in AS paths')));
    }
    cards.push(seenCard(ctx, 'First seen', d.first_seen, qt, names), seenCard(ctx, 'Last seen', d.last_seen, qt, names));
    el.append(h('div', { class: 'w-routing-status' }, h('div', { class: 'cards' }, cards), isAS ? null : related(ctx, d)));
    return d;
  },
};

// related lists the less- and more-specific prefixes.
function related(ctx, d) {
  const cols = [
    { key: 'prefix', label: 'Prefix', render: (r) => resLink(ctx, r.prefix), sort: (r) => r.prefix },
    { key: 'origin', label: 'Origin', render: (r) => asLink(ctx, r.origin), sort: (r) => Number(r.origin) },
  ];
  const part = (title, rows) => h('div', null, h('h4', null, `${title} (${rows.length}${rows.length >= 50 ? '+' : ''})`),
    rows.length ? h('div', { class: 'scroll', style: { 'max-height': '240px' } }, table(cols, rows)) : h('p', { class: 'small muted', style: { margin: '0' } }, 'none routed'));
  return h('div', { class: 'cols' }, part('Less specifics', d.less_specifics || []), part('More specifics', d.more_specifics || []));
}
