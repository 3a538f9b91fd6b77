// /incidents: every incident the detector raised — open / resolved / all
// tabs, filters by group, monitored resource and type, a sortable table,
// kept current by the WebSocket stream (no reload needed).
import { h, clear } from '../../../widgets/src/core/dom.js';
import { fmtTime, parseTime } from '../../../widgets/src/core/time.js';
import { incidents as listIncidents } from '../api.js';
import { navigate, setQuery } from '../router.js';
import { subscribe } from '../live.js';
import { pageHead, sortTable, emptyState, errorBox, asLink, resLink } from '../ui.js';
import { TYPES, typeLabel, severityPill, severityRank, statusPills, scope } from '../incidentfmt.js';

const STATUSES = [['all', 'All'], ['open', 'Open'], ['resolved', 'Resolved']];
const ms = (t) => { const d = parseTime(t); return d ? d.getTime() : 0; };
const when = (t) => (t ? h('time', { class: 'time', datetime: t }, fmtTime(parseTime(t), { seconds: false, zone: false })) : h('span', { class: 'muted' }, '—'));

/** filtersFromQuery reads the page's URL state. */
function filtersFromQuery(q) {
  const status = q.get('status');
  const sort = q.get('sort') || '-opened';
  return {
    status: STATUSES.some(([s]) => s === status) ? status : 'all',
    group: q.get('group') || '',
    monitor: q.get('monitor') || '',
    type: q.get('type') || '',
    resource: q.get('resource') || '',
    sort: { key: sort.replace(/^-/, ''), desc: sort.startsWith('-') },
  };
}

const COLUMNS = [
  { key: 'severity', label: 'Severity', sort: (i) => severityRank(i.severity), descFirst: true, render: (i) => severityPill(i.severity) },
  {
    key: 'type', label: 'Type', class: 'inc-type', sort: (i) => typeLabel(i.type),
    render: (i) => [h('a', { href: `/incidents/${encodeURIComponent(i.id)}` }, typeLabel(i.type)),
      h('span', { class: 'inc-desc' }, [scope(i), i.description ? ` · ${i.description}` : ''].join(''))],
  },
  {
    key: 'prefix', label: 'Prefix', sort: (i) => (i.prefixes || [])[0] || '',
    render: (i) => { const p = i.prefixes || []; return p.length ? [resLink(p[0]), p.length > 1 ? h('span', { class: 'more', title: p.slice(1).join(', ') }, `+${p.length - 1}`) : null] : '—'; },
  },
  { key: 'offending', label: 'Offending origin', sort: (i) => i.offending_origin || i.offending_as || 0, render: (i) => asLink(i.offending_origin || i.offending_as) },
  {
    key: 'legit', label: 'Legit origin', sort: (i) => (i.legitimate_origins || [])[0] || 0,
    render: (i) => { const l = i.legitimate_origins || []; return l.length ? l.map((a, k) => [k ? ', ' : '', asLink(a)]) : h('span', { class: 'muted' }, 'none'); },
  },
  { key: 'opened', label: 'Opened (UTC)', sort: (i) => ms(i.opened), descFirst: true, render: (i) => when(i.opened) },
  { key: 'resolved', label: 'Resolved (UTC)', sort: (i) => ms(i.resolved), descFirst: true, render: (i) => when(i.resolved) },
  { key: 'status', label: 'Status', sort: (i) => `${i.status}${i.acknowledged ? 'a' : ''}`, render: (i) => statusPills(i) },
  {
    key: 'peers', label: 'Peers', num: true, sort: (i) => (i.peer_ases || []).length,
    render: (i) => h('span', { title: `${(i.peer_ases || []).length} peer ASes saw it (peak ${i.peak_peer_ases || 0}, now ${i.peer_ases_now || 0}) of ${i.total_peer_ases || '?'} heard from` },
      String((i.peer_ases || []).length), i.total_peer_ases ? h('span', { class: 'muted' }, ` / ${i.total_peer_ases}`) : null),
  },
];

/** select builds a filter <select> with "any" and the given values. */
function select(id, label, values, value, onChange, fmt = (v) => v) {
  const vals = [...new Set([...values, value].filter(Boolean))].sort();
  return h('label', { class: 'field' }, h('span', null, label),
    h('select', { id, class: 'input', onchange: (e) => onChange(e.target.value) },
      h('option', { value: '' }, 'Any'), vals.map((v) => h('option', { value: v, selected: v === value }, fmt(v)))));
}

export default {
  usesRange: false,
  async render(main, ctx) {
    document.title = 'Incidents · routestat';
    const byId = new Map();
    const fresh = new Set();
    let f = filtersFromQuery(ctx.q);
    let truncated = false;
    let loadError = null;

    const live = h('span', { class: 'live', id: 'live', 'data-state': 'connecting', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'dot' }), h('span', { class: 'live-text' }, 'Connecting…'));
    const meta = h('div', { class: 'page-meta' });
    main.append(pageHead({ kicker: 'Hijack detection', title: 'Incidents', meta, actions: [live] }));
    const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Status' });
    const filters = h('div', { class: 'filters' });
    const body = h('div', { class: 'incidents-body', id: 'incidents-panel', role: 'tabpanel' });
    const foot = h('div', { class: 'table-foot' });
    main.append(h('section', { class: 'card' }, h('div', { class: 'toolbar' }, tabs, filters), body, foot));
    body.append(h('div', { class: 'loading-line card-body' }, 'Loading incidents…'));

    const draw = () => {
      const all = [...byId.values()];
      const counts = { all: all.length, open: all.filter((i) => i.status === 'open').length, resolved: all.filter((i) => i.status === 'resolved').length };
      clear(tabs).append(...STATUSES.map(([s, label]) => h('button', {
        type: 'button', role: 'tab', class: 'tab', 'data-status': s, 'aria-selected': String(f.status === s), tabindex: f.status === s ? 0 : -1, 'aria-controls': 'incidents-panel',
        onclick: () => setQuery({ status: s === 'all' ? null : s }),
        onkeydown: (e) => {
          const i = STATUSES.findIndex(([x]) => x === s);
          const next = e.key === 'ArrowRight' ? STATUSES[(i + 1) % 3] : e.key === 'ArrowLeft' ? STATUSES[(i + 2) % 3] : null;
          if (next) { e.preventDefault(); setQuery({ status: next[0] === 'all' ? null : next[0] }); requestAnimationFrame(() => tabs.querySelector(`[data-status=${next[0]}]`)?.focus()); }
        },
      }, label, h('span', { class: 'tab-count' }, String(counts[s])))));
      clear(filters).append(...[
        select('filter-group', 'Group', all.map((i) => i.group), f.group, (v) => setQuery({ group: v })),
        select('filter-monitor', 'Monitored', all.map(scope), f.monitor, (v) => setQuery({ monitor: v })),
        select('filter-type', 'Type', [...Object.keys(TYPES).filter((t) => all.some((i) => i.type === t)), ...all.map((i) => i.type)], f.type, (v) => setQuery({ type: v }), typeLabel),
        f.resource ? h('div', { class: 'field' }, h('span', null, 'Resource'), h('span', { class: 'pills' }, h('span', { class: 'chip' }, f.resource),
          h('button', { type: 'button', class: 'btn', onclick: () => setQuery({ resource: null }), 'aria-label': 'Clear the resource filter' }, '×'))) : null,
      ].filter(Boolean));

      const rows = all.filter((i) => (f.status === 'all' || i.status === f.status) && (!f.group || i.group === f.group)
        && (!f.monitor || scope(i) === f.monitor) && (!f.type || i.type === f.type));
      meta.textContent = `${counts.open} open · ${counts.resolved} resolved${f.resource ? ` · touching ${f.resource}` : ''}`;
      clear(body);
      if (loadError) { body.append(h('div', { class: 'card-body' }, errorBox(loadError, 'Cannot list incidents'))); }
      if (!rows.length) {
        if (!loadError) {
          body.append(all.length
            ? emptyState('No incident matches', 'Change the tab or the filters to see more.')
            : emptyState(f.status === 'open' ? 'No open incidents' : 'No incidents yet', 'The detector raises an incident when a monitored prefix or AS is hijacked, leaked or loses visibility.', h('a', { href: '/monitored' }, 'Review the monitored resources')));
        }
      } else {
        body.append(sortTable(COLUMNS, rows, {
          class: 'incidents-table',
          sort: f.sort,
          onSort: (s) => setQuery({ sort: `${s.desc ? '-' : ''}${s.key}` }, { push: false, render: false }),
          rowAttrs: (i) => ({
            'data-incident-id': i.id,
            'data-status': i.status,
            class: fresh.has(i.id) ? 'flash' : null,
            onclick: (e) => { if (!e.composedPath().some((n) => n.tagName === 'A')) navigate(`/incidents/${encodeURIComponent(i.id)}`); },
          }),
        }));
      }
      fresh.clear();
      foot.textContent = `${rows.length} of ${all.length} incident${all.length === 1 ? '' : 's'} shown${truncated ? ' · only the newest 1000 are loaded' : ''} · times UTC`;
    };

    let timer = 0;
    const later = () => { clearTimeout(timer); timer = setTimeout(draw, 120); };
    const unsub = subscribe((msg) => {
      const inc = msg.incident;
      if (f.resource && !byId.has(inc.id) && msg.event !== 'snapshot') {
        // A resource filter is applied server-side on load; the stream is unfiltered: re-list.
        load();
        return;
      }
      if (f.resource && !byId.has(inc.id)) return;
      const old = byId.get(inc.id);
      if (!old || JSON.stringify(old) !== JSON.stringify(inc)) { byId.set(inc.id, inc); if (msg.event !== 'snapshot' || !old) fresh.add(inc.id); later(); }
    }, (state, retry) => {
      live.dataset.state = state;
      live.querySelector('.live-text').textContent = state === 'live' ? 'Live' : state === 'retrying' ? `Reconnecting in ${Math.round(retry / 1000)}s`
        : state === 'unavailable' ? 'No live updates' : 'Connecting…';
      live.title = state === 'live' ? 'New and changed incidents appear as they happen' : 'The live stream is down; the list may be stale';
    });

    async function load() {
      try {
        const r = await listIncidents({ resource: f.resource, limit: 1000 }, { signal: ctx.signal });
        loadError = null;
        truncated = r.truncated;
        for (const inc of r.incidents) byId.set(inc.id, inc);
      } catch (err) {
        if (err.name === 'AbortError') return;
        loadError = err;
      }
      fresh.clear();
      draw();
    }
    await load();

    return {
      update(c) {
        const nf = filtersFromQuery(c.q);
        const reload = nf.resource !== f.resource;
        f = nf;
        if (reload) { byId.clear(); load(); } else draw();
        return true;
      },
      destroy() { unsub(); clearTimeout(timer); },
    };
  },
};
