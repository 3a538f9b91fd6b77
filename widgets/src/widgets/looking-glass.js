// looking-glass: every collector peer's current route to a prefix, per
// collector, with AS path, communities and when it last changed.
import { h } from '../core/dom.js';
import { parseTime, fmtTime, fmtDuration } from '../core/time.js';
import { table } from '../core/table.js';
import { num, asLink, asPath, resLink, holders, empty } from '../core/fmt.js';
import { colour } from '../core/chart.js';

export default {
  name: 'looking-glass',
  title: 'Looking glass',
  calls: ['looking-glass'],
  kinds: ['prefix', 'ip'],
  params: ['resource', 'look_back_limit'],
  source: 'The routes this server\'s collectors hold now, from its route index (the looking-glass data call).',
  info: `What every peer of every collector routes for the prefix at the latest data (for an address: each peer's most specific route covering it), like a router's looking glass.

Collectors are listed one per section (open or close them); each row is one peer's route: the peer, its AS path (the origin in bold, coloured per origin — two colours means two origins, worth a look), its communities, BGP origin attribute and next hop, and when the route last changed. Click a header to sort.`,
  css: `.origins{display:flex;flex-wrap:wrap;gap:.3em 1.2em;margin-bottom:.4em;font-size:13px}
summary .meta{color:var(--c-muted);font-size:12.5px;margin-left:.6em}summary .rrc{font:600 13px var(--mono)}
.comm{font-family:var(--mono);font-size:11.5px;color:var(--c-muted)}.age{color:var(--c-muted);font-size:11.5px}
.acts{display:flex;gap:.4em;margin-left:auto}`,
  async render(el, ctx) {
    const d = await ctx.data('looking-glass', ctx.params);
    const lt = parseTime(d.latest_time || d.query_time);
    ctx.caption(lt ? `routes at ${fmtTime(lt)}` : '');
    const rrcs = d.rrcs || [];
    const root = h('div', { class: 'w-looking-glass' });
    el.append(root);
    const all = rrcs.flatMap((c) => c.peers || []);
    if (!all.length) {
      root.append(empty('No collector peer has a route to this resource now.'));
      return d;
    }
    const originCount = new Map();
    for (const p of all) originCount.set(p.asn_origin, (originCount.get(p.asn_origin) || 0) + 1);
    const origins = [...originCount.entries()].sort((a, b) => b[1] - a[1]);
    const oi = new Map(origins.map(([o], i) => [o, i]));
    const names = await holders(ctx, origins.map(([o]) => o).filter(Boolean), 8);
    const prefixes = new Set(all.map((p) => p.prefix));
    const details = [];
    root.append(h('div', { class: 'toolbar' },
      h('span', null, `${num(all.length)} routes from ${num(new Set(all.map((p) => p.peer)).size)} peers on ${num(rrcs.length)} collector${rrcs.length === 1 ? '' : 's'}`),
      rrcs.length < 2 ? null : h('span', { class: 'acts' },
        h('button', { type: 'button', class: 'btn', onclick: () => details.forEach((x) => { x.open = true; }) }, 'Expand all'),
        h('button', { type: 'button', class: 'btn', onclick: () => details.forEach((x) => { x.open = false; }) }, 'Collapse all'))));
    root.append(h('div', { class: 'origins' }, h('span', { class: 'muted' }, origins.length > 1 ? `${origins.length} origins:` : 'Origin:'),
      origins.map(([o, n]) => h('span', null, h('span', { class: 'chip', style: { background: colour(oi.get(o)) } }),
        o ? asLink(ctx, o, names.get(Number(o))) : h('span', { class: 'muted' }, 'AS_SET'), h('span', { class: 'muted' }, ` · ${num(n)} route${n === 1 ? '' : 's'}`)))));
    const now = lt ? lt.getTime() : Date.now();
    const cols = [
      { key: 'peer', label: 'Peer', render: (p) => h('span', { class: 'mono nowrap' }, p.peer), sort: (p) => p.peer },
      ...(prefixes.size > 1 ? [{ key: 'prefix', label: 'Prefix', render: (p) => resLink(ctx, p.prefix) }] : []),
      { key: 'as_path', label: 'AS path', render: (p) => h('span', null, h('span', { class: 'chip', style: { background: colour(oi.get(p.asn_origin)) } }), asPath(ctx, p.as_path)),
        sort: (p) => p.as_path.split(' ').length * 1e10 + Number(p.as_path.split(' ')[0] || 0) },
      { key: 'community', label: 'Communities', render: (p) => h('span', { class: 'comm' }, [p.community, p.largeCommunity].filter(Boolean).join(' ')) },
      { key: 'origin', label: 'Origin', render: (p) => h('span', { class: 'small' }, p.origin || '–') },
      ...(all.some((p) => p.next_hop && p.next_hop !== p.peer) ? [{ key: 'next_hop', label: 'Next hop', render: (p) => h('span', { class: 'mono small' }, p.next_hop || '–') }] : []),
      { key: 'last_updated', label: 'Last change (UTC)', num: true, render: (p) => {
        const t = parseTime(p.last_updated);
        return h('span', { class: 'nowrap', title: t ? `${fmtDuration((now - t.getTime()) / 1000)} before ${fmtTime(lt)}` : null }, fmtTime(t, { zone: false }));
      } },
      { key: 'age', label: 'Age', num: true, render: (p) => h('span', { class: 'age nowrap' }, fmtDuration((now - parseTime(p.last_updated).getTime()) / 1000)),
        sort: (p) => now - parseTime(p.last_updated).getTime() },
    ];
    rrcs.forEach((c, i) => {
      const peers = c.peers || [];
      const os = [...new Set(peers.map((p) => p.asn_origin))];
      const det = h('details', { open: i < 3 || rrcs.length <= 4 },
        h('summary', null, h('span', { class: 'rrc' }, c.rrc), h('span', { class: 'meta' }, [c.location, `${num(peers.length)} route${peers.length === 1 ? '' : 's'}`,
          `origin${os.length === 1 ? '' : 's'} ${os.map((o) => (o ? `AS${o}` : 'AS_SET')).join(', ')}`].filter(Boolean).join(' · '))),
        h('div', { class: 'inner scroll', style: { 'max-height': '380px' } }, table(cols, peers, { sort: { key: 'as_path' } })));
      details.push(det);
      root.append(det);
    });
    return d;
  },
};
