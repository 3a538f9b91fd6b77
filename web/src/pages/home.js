// Home: the search front and centre, then what a NOC checks first — open
// incidents, the latest data time, and the resources opened lately.
import { h, clear } from '../../../widgets/src/core/dom.js';
import { fmtTime, parseTime } from '../../../widgets/src/core/time.js';
import { incidents as listIncidents } from '../api.js';
import { recent } from '../search.js';
import { title as incTitle, severityPill, severityRank, statusPill } from '../incidentfmt.js';
import { errorBox, emptyState } from '../ui.js';
import { parseResource, kindLabel } from '../resource.js';
import { navigate, pathFor } from '../router.js';

export default {
  usesRange: false,
  async render(main, ctx) {
    document.title = 'routestat';
    // /search?q=TEXT: open the resource, or show the suggestions for the text.
    const asked = (ctx.q.get('q') || ctx.q.get('resource') || '').trim();
    if (asked && parseResource(asked)) { navigate(pathFor(parseResource(asked).value), { replace: true }); return {}; }
    const slot = h('div', { class: 'search-slot' });
    const rec = recent();
    main.append(h('section', { class: 'hero' },
      h('h1', null, 'Routing intelligence for your network'),
      h('p', { class: 'lead' }, 'Look up an AS, a prefix or an IP address: who originates it, who sees it, what changed — and whether someone is hijacking it.'),
      slot,
      h('div', { class: 'examples' }, rec.length ? [h('span', null, 'Recent:'), rec.map((r) => h('a', { class: 'chip', href: `/${encodeURI(r)}` }, r))]
        : h('span', null, 'Try an AS number (AS3333), a prefix (193.0.0.0/21), an address or an AS name. Press / to search from anywhere.'))));
    // Moving the form drops the focus: give it back, with the caret, to
    // someone already typing.
    const input = ctx.searchForm.querySelector('#search');
    const typing = document.activeElement === input;
    const caret = [input.selectionStart, input.selectionEnd];
    slot.append(ctx.searchForm);
    if (typing) { input.focus(); input.setSelectionRange(caret[0], caret[1]); }
    if (asked) {
      input.value = asked;
      input.focus();
      input.dispatchEvent(new Event('input'));
    }

    const stats = h('div', { class: 'stat-row' });
    const listEl = h('div');
    const recentList = h('div');
    main.append(h('div', { class: 'home-grid' },
      h('section', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', null, 'Incidents'), h('a', { href: '/incidents' }, 'All incidents →')),
        stats, listEl),
      h('section', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', null, 'Data'), h('a', { href: '/docs/data_api' }, 'Data API →')),
        h('div', { class: 'card-body' },
          h('dl', { class: 'evidence home-data' },
            h('dt', null, 'Latest data'), h('dd', null, h('time', { datetime: ctx.latest.toISOString() }, fmtTime(ctx.latest))),
            h('dt', null, 'Time zone'), h('dd', null, 'UTC everywhere')),
          h('p', { class: 'muted', style: { 'margin-top': '10px', 'font-size': '13px' } },
            'Time presets (1h … 1m) count back from the latest data, so archived data sets read as if live.')),
        rec.length ? h('div', { class: 'card-head', style: { 'border-top': '1px solid var(--rs-border)' } }, h('h2', null, 'Recently viewed')) : null,
        recentList)));

    clear(recentList).append(rec.length ? h('ul', { class: 'mini-list' }, rec.map((r) => {
      const p = parseResource(r);
      return h('li', null, h('a', { class: 'ml-main mono', href: `/${encodeURI(r)}` }, r), h('span', { class: 'ml-time' }, p ? kindLabel(p.kind) : ''));
    })) : '');

    listEl.append(h('div', { class: 'loading-line card-body' }, 'Loading incidents…'));
    try {
      const [open, all] = await Promise.all([
        listIncidents({ status: 'open' }, { signal: ctx.signal }),
        listIncidents({ status: 'resolved', limit: 6 }, { signal: ctx.signal }),
      ]);
      const byRecent = (a, b) => String(b.opened).localeCompare(String(a.opened));
      const openList = open.incidents.slice().sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || byRecent(a, b));
      // Open ones first (most severe first), then the latest resolved ones.
      const list = [...openList, ...all.incidents.slice().sort(byRecent)].slice(0, 6);
      const hijacks = openList.filter((i) => i.hijack).length;
      clear(stats).append(
        h('div', { class: `stat ${hijacks ? 'bad' : ''}` }, h('div', { class: 'v' }, String(hijacks)), h('div', { class: 'k' }, 'open hijacks')),
        h('div', { class: 'stat' }, h('div', { class: 'v' }, String(open.total)), h('div', { class: 'k' }, 'open incidents')),
        h('div', { class: 'stat' }, h('div', { class: 'v' }, String(open.total + all.total)), h('div', { class: 'k' }, 'incidents recorded')));
      stats.style.borderBottom = '1px solid var(--rs-border)';
      clear(listEl).append(list.length ? h('ul', { class: 'mini-list' }, list.map((inc) => h('li', { 'data-incident-id': inc.id },
        severityPill(inc.severity),
        h('a', { class: 'ml-main', href: `/incidents/${encodeURIComponent(inc.id)}` }, incTitle(inc)),
        statusPill(inc),
        h('span', { class: 'ml-time' }, fmtTime(parseTime(inc.opened), { seconds: false })))))
        : emptyState('No incidents', 'Nothing the detector watches has been hijacked, leaked or lost.', h('a', { href: '/monitored' }, 'Review the monitored resources')));
      if (open.total > openList.length || openList.length > 6) listEl.append(h('div', { class: 'table-foot' }, h('a', { href: '/incidents?status=open' }, `All ${open.total} open incidents`)));
    } catch (err) {
      if (err.name === 'AbortError') return {};
      clear(listEl).append(h('div', { class: 'card-body' }, errorBox(err, 'Incidents are unavailable')));
      clear(stats);
    }
    return {};
  },
};
