// prefix-overview: is a prefix announced, by which origin ASes (with
// their holder names), in which IANA block, and its related prefixes.
import { h } from '../core/dom.js';
import { parseTime, fmtTime } from '../core/time.js';
import { num, asLink, resLink } from '../core/fmt.js';

// pointTime maps the window's end to query_time when no time is given, so
// that a widget in a time range shows the state at the end of the range.
function dataParams(p) {
  const q = { ...p };
  if (!q.query_time && q.endtime) q.query_time = q.endtime;
  return q;
}

export default {
  name: 'prefix-overview',
  title: 'Prefix overview',
  calls: ['prefix-overview'],
  kinds: ['prefix', 'ip'],
  params: ['resource', 'query_time', 'min_peers_seeing', 'max_related', 'starttime', 'endtime'],
  dataParams,
  source: 'Computed by this server from its route index (the prefix-overview data call); holder names from the AS names file the server is configured with.',
  info: `Whether the prefix (or the prefix covering an address) is announced, and by which origin ASes, with the holder names this server knows.

The state is the one at "query_time", or at the end of the time window when the widget is given one, or at the latest data. Origins seen by fewer than "min_peers_seeing" peers (default 3) are left out and counted. Several origins at once (MOAS) are flagged: they can be legitimate (anycast, multi-homing) or a hijack.

"Less specific" means no peer routes the exact prefix asked for and the answer is about the covering prefix. Related prefixes are the routed less- and more-specifics. The block is the IANA registry block containing the prefix.`,
  css: `.headline{display:flex;align-items:center;gap:.6em;flex-wrap:wrap;margin-bottom:.6em}.headline .res{font:600 16px var(--mono)}
.pill.yes{color:var(--c-ok)}.pill.no{color:var(--c-muted)}.pill.moas{color:var(--c-warn)}
.asn-list{display:flex;flex-direction:column;gap:.15em}.rel{display:flex;flex-wrap:wrap;gap:.2em .9em}`,
  async render(el, ctx) {
    const d = await ctx.data('prefix-overview', dataParams(ctx.params));
    ctx.caption(d.query_time ? `at ${fmtTime(parseTime(d.query_time))}` : '');
    const asns = d.asns || [];
    const rel = d.related_prefixes || [];
    const block = d.block || {};
    el.append(h('div', { class: 'w-prefix-overview' },
      h('div', { class: 'headline' }, h('span', { class: 'res' }, d.resource),
        h('span', { class: `pill ${d.announced ? 'yes' : 'no'}` }, d.announced ? 'announced' : 'not announced'),
        asns.length > 1 ? h('span', { class: 'pill moas', title: 'multiple origin ASes' }, `MOAS · ${asns.length} origins`) : null,
        d.is_less_specific ? h('span', { class: 'pill no', title: 'the exact prefix is not routed; this is the covering prefix' }, 'less specific') : null),
      h('dl', { class: 'kv' },
        h('dt', null, asns.length > 1 ? 'Origin ASes' : 'Origin AS'),
        h('dd', null, asns.length ? h('div', { class: 'asn-list' }, asns.map((a) => asLink(ctx, a.asn, a.holder || null))) : h('span', { class: 'muted' }, 'none')),
        d.num_filtered_out ? [h('dt', null, 'Filtered out'), h('dd', { class: 'muted' }, `${num(d.num_filtered_out)} origin${d.num_filtered_out === 1 ? '' : 's'} or prefixes seen by too few peers`)] : null,
        h('dt', null, 'Block'),
        h('dd', null, h('span', { class: 'mono' }, block.resource || '–'), block.name ? [' ', h('span', { class: 'muted' }, block.name)] : null, block.desc ? [' — ', block.desc] : null),
        h('dt', null, `Related prefixes (${num(d.actual_num_related ?? rel.length)})`),
        h('dd', null, rel.length ? h('div', { class: 'rel' }, rel.map((p) => resLink(ctx, p))) : h('span', { class: 'muted' }, 'none')))));
    return d;
  },
};
