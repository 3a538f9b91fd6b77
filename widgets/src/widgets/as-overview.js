// as-overview: an AS's holder, whether it announces anything, its block.
import { h } from '../core/dom.js';
import { parseTime, fmtTime } from '../core/time.js';
import { asText } from '../core/fmt.js';

export default {
  name: 'as-overview',
  title: 'AS overview',
  calls: ['as-overview'],
  kinds: ['asn'],
  params: ['resource', 'min_peers_seeing'],
  source: 'Holder names from the AS names file this server is configured with; "announced" from its route index (the as-overview data call).',
  info: `Who holds the AS (from the AS names file the server loads), whether it originates at least one prefix routed by "min_peers_seeing" peers (default 10) at the latest data — a transit-only AS is "not announced" — and the IANA AS number registry block it falls in.`,
  css: `.top{display:flex;align-items:baseline;gap:.7em;flex-wrap:wrap;margin-bottom:.5em}.asn{font:600 18px var(--mono)}
.holder{font-size:15px}.pill.yes{color:var(--c-ok)}.pill.no{color:var(--c-muted)}`,
  async render(el, ctx) {
    const d = await ctx.data('as-overview', ctx.params);
    const t = parseTime(d.query_endtime);
    ctx.caption(t ? `at ${fmtTime(t)}` : '');
    const b = d.block || {};
    el.append(h('div', { class: 'w-as-overview' },
      h('div', { class: 'top' }, h('span', { class: 'asn' }, asText(d.resource)),
        h('span', { class: `pill ${d.announced ? 'yes' : 'no'}` }, d.announced ? 'announced' : 'not announced')),
      h('dl', { class: 'kv' },
        h('dt', null, 'Holder'), h('dd', { class: 'holder' }, d.holder ? d.holder : h('span', { class: 'muted' }, 'unknown (no name in this server\'s AS names file)')),
        h('dt', null, 'Block'), h('dd', null, h('span', { class: 'mono' }, b.resource || '–'), b.name ? [' ', h('span', { class: 'muted' }, b.name)] : null, b.desc ? [' — ', b.desc] : null))));
    return d;
  },
};
