// hijacks: the hijack detector's incidents touching a resource in a time
// window — severity, type, prefixes, offending and legitimate origins,
// when opened and resolved — each linking to its incident page.
import { h } from '../core/dom.js';
import { parseTime, fmtTime, fmtDuration } from '../core/time.js';
import { table } from '../core/table.js';
import { num, asLink, resLink, empty } from '../core/fmt.js';
import { windowCaption } from '../core/chart.js';

const sevRank = { critical: 4, high: 3, warning: 2, info: 1 };

export default {
  name: 'hijacks',
  aliases: ['hijack-incidents'],
  title: 'Hijack incidents',
  calls: ['hijacks'],
  kinds: ['asn', 'prefix', 'ip', 'none'],
  params: ['resource', 'starttime', 'endtime', 'status', 'type', 'group', 'hijacks_only'],
  source: 'The incidents raised by this server\'s hijack detector, which watches the monitored prefixes and ASes in every route its collectors receive (the hijacks data call).',
  info: `The incidents the hijack detector raised for the resource (a prefix or address: incidents whose prefixes overlap it; an AS: incidents in which it is the monitored, a legitimate or the offending AS) that were active in the time window, newest first.

Severity: critical and high are hijacks of monitored space (another origin, a more-specific, a fake first hop); warning and info are changes worth a look (route leaks, new prefixes or neighbours, the owner de-aggregating). "Offending" is the AS the incident is about — the hijacking origin, the leaker, the new neighbour — and "legitimate" the origins the monitored-resources file allows. Peers: the most peer ASes that saw it at once / all peer ASes heard from.

Open an incident for its evidence, timeline and the paragraph explaining why it was raised; there it can be acknowledged or marked as a false positive.`,
  css: `.sum{display:flex;flex-wrap:wrap;gap:.3em 1.4em;font-size:13px}.sum b{font-variant-numeric:tabular-nums}
.why{font-size:12px;color:var(--c-muted);display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;max-width:60ch;margin-top:.15em}
.st-open{font-weight:600}.st-open.hot{color:var(--c-bad)}.st-resolved{color:var(--c-ok)}.flag{font-size:11px;color:var(--c-muted);display:block}
.hj{font-size:10.5px;font-weight:700;color:var(--c-bad);text-transform:uppercase;letter-spacing:.04em;margin-left:.4em}
td .lnk{white-space:nowrap}`,
  async render(el, ctx) {
    const root = h('div', { class: 'w-hijacks' });
    let d;
    try {
      d = await ctx.data('hijacks', ctx.params);
    } catch (err) {
      if (err && err.status === 404) {
        el.append(h('div', { class: 'w-hijacks' }, empty('No incidents: hijack detection is not enabled on this server.'),
          h('p', { class: 'small muted', style: { 'text-align': 'center' } }, 'It runs with "hijack: {monitored: FILE}" in routestat.yaml; see docs/hijack.md.')));
        return null;
      }
      throw err;
    }
    el.append(root);
    ctx.caption(windowCaption(parseTime(d.query_starttime), parseTime(d.query_endtime)));
    const list = d.incidents || [];
    const open = list.filter((i) => i.status === 'open').length;
    const hij = list.filter((i) => i.hijack).length;
    const status = h('select', { 'aria-label': 'status', onchange: (e) => ctx.update({ status: e.target.value || null }) },
      [['', 'open and resolved'], ['open', 'open'], ['resolved', 'resolved']].map(([v, t]) => h('option', { value: v, selected: (ctx.params.status || '') === v }, t)));
    const only = h('input', { type: 'checkbox', checked: String(ctx.params.hijacks_only) === 'true', onchange: (e) => ctx.update({ hijacks_only: e.target.checked ? 'true' : null }) });
    root.append(h('div', { class: 'toolbar' },
      h('span', { class: 'sum' }, h('span', null, h('b', null, num(d.count ?? list.length)), ` incident${(d.count ?? list.length) === 1 ? '' : 's'}`),
        h('span', { class: open ? 'bad' : null }, h('b', null, num(open)), ' open'), h('span', null, h('b', null, num(hij)), ` hijack${hij === 1 ? '' : 's'}`)),
      h('span', { class: 'grow' }), h('label', null, 'Status', status), h('label', null, only, 'Hijacks only')));
    if (!list.length) {
      root.append(empty(d.count ? `${num(d.count)} incidents: too many to list here — narrow the window or the filters.` : 'No incident for this resource in this window.'));
      return d;
    }
    const t = (s) => (s ? parseTime(s) : null);
    const cols = [
      { key: 'severity', label: 'Severity', render: (i) => h('span', { class: `pill sev-${i.severity}` }, i.severity), sort: (i) => sevRank[i.severity] || 0 },
      { key: 'type', label: 'Incident', render: (i) => h('div', null, h('a', { href: ctx.incidentLink(i.id), class: 'lnk', 'data-incident-id': i.id }, i.type),
        i.hijack ? h('span', { class: 'hj' }, 'hijack') : null, i.why ? h('div', { class: 'why', title: i.why }, i.why) : null) },
      { key: 'prefix', label: 'Prefix', render: (i) => h('div', null, (i.prefixes || []).slice(0, 3).map((p) => h('div', null, resLink(ctx, p))),
        (i.prefixes || []).length > 3 ? h('span', { class: 'muted small' }, `+${i.prefixes.length - 3} more`) : null,
        !(i.prefixes || []).length && i.monitored_prefix ? resLink(ctx, i.monitored_prefix) : null), sort: (i) => (i.prefixes || [])[0] || i.monitored_prefix || '' },
      { key: 'offending', label: 'Offending', render: (i) => h('div', null, i.offending_as ? asLink(ctx, i.offending_as) : '–',
        i.offending_origin && i.offending_origin !== i.offending_as ? h('div', { class: 'small muted' }, 'origin ', asLink(ctx, i.offending_origin)) : null),
      sort: (i) => i.offending_as || 0 },
      { key: 'legit', label: 'Legitimate', render: (i) => h('div', null, (i.legitimate_origins || []).map((a, k) => [k ? ', ' : '', asLink(ctx, a)]),
        i.monitored_as ? h('div', { class: 'small muted' }, 'monitored ', asLink(ctx, i.monitored_as)) : null), sort: (i) => (i.legitimate_origins || [])[0] || 0 },
      { key: 'opened', label: 'Opened (UTC)', num: true, render: (i) => h('span', { class: 'nowrap' }, fmtTime(t(i.opened), { zone: false })), sort: (i) => t(i.opened).getTime() },
      { key: 'status', label: 'Status', render: (i) => h('div', null, h('span', { class: `st-${i.status}${i.hijack && i.status === 'open' ? ' hot' : ''}` }, i.status),
        i.resolved ? h('span', { class: 'flag' }, `after ${fmtDuration((t(i.resolved) - t(i.opened)) / 1000)}`) : null,
        i.acknowledged ? h('span', { class: 'flag', title: i.ack_comment || null }, `acknowledged${i.ack_by ? ` by ${i.ack_by}` : ''}`) : null,
        i.false_positive ? h('span', { class: 'flag' }, 'false positive') : null) },
      { key: 'peers', label: 'Peers', num: true, render: (i) => h('span', { title: 'most peer ASes seeing it at once / peer ASes heard from' }, `${num(i.peak_peer_ases)} / ${num(i.total_peer_ases)}`), sort: (i) => i.peak_peer_ases || 0 },
    ];
    root.append(h('div', { class: 'scroll' }, table(cols, list, { sort: { key: 'opened', desc: true }, limit: 500 })));
    return d;
  },
};
