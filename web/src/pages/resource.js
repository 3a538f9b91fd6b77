// The resource page (/AS3333, /193.0.0.0/21, /193.0.0.1): the resource,
// a one-line routing summary, any open incident as a banner, and a grid
// of widgets for its kind, all in the global time window.
import { h, clear } from '../../../widgets/src/core/dom.js';
import { fetchData } from '../../../widgets/src/core/api.js';
import { fmtTime, parseTime, apiTime } from '../../../widgets/src/core/time.js';
import { home, incidents as listIncidents, searchComplete } from '../api.js';
import { parseResource, kindLabel } from '../resource.js';
import { navigate, pathFor, setQuery } from '../router.js';
import { remember } from '../search.js';
import { rangeQuery } from '../timerange.js';
import { mountWidget, widgetParams, settingsFromQuery, syncSettings } from '../widgets.js';
import { pageHead, emptyState, asLink, resLink } from '../ui.js';
import { icon } from '../icons.js';
import { title as incTitle, severityPill, typeLabel } from '../incidentfmt.js';
import { subscribe } from '../live.js';

/** LAYOUT lists each kind's widgets: [name, columns spanned]. */
const LAYOUT = {
  asn: [['as-overview', 1], ['routing-status', 1], ['hijacks', 2], ['bgp-updates', 2], ['routing-history', 2], ['announced-prefixes', 2], ['asn-neighbours', 2]],
  prefix: [['prefix-overview', 1], ['routing-status', 1], ['hijacks', 2], ['bgp-updates', 2], ['routing-history', 2], ['visibility', 1], ['looking-glass', 1]],
};

const fmtNum = (n) => Number(n || 0).toLocaleString('en-US');

/** rangeSearch is the query string carrying the current range (for links to other views). */
export function rangeSearch(range) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(rangeQuery(range))) if (v) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

/** fact is one "label value" item of the summary line. */
function fact(...parts) {
  return h('span', { class: 'fact' }, parts);
}

/** summary fetches and draws the routing summary of res (at the end of the window). */
async function summary(el, titleSub, res, kind, ctx, signal) {
  const p = { resource: res.value };
  // routing-status snaps a given time to the RIB dump before it: give one only for a window ending before the latest data.
  if (ctx.win.end < ctx.latest) p.timestamp = apiTime(ctx.win.end);
  const facts = [];
  try {
    if (kind === 'asn') {
      const [rs, ov] = await Promise.all([
        fetchData(home, 'routing-status', p, { signal }).then((r) => r.data),
        fetchData(home, 'as-overview', { resource: res.value }, { signal }).then((r) => r.data).catch(() => null),
      ]);
      const name = ov && ov.holder;
      titleSub.textContent = name || '';
      const sp = rs.announced_space || {};
      const v4 = sp.v4 || {}; const v6 = sp.v6 || {};
      if (v4.prefixes || v6.prefixes) {
        facts.push(fact('Originates ', h('strong', null, fmtNum(v4.prefixes)), ' IPv4 prefix', v4.prefixes === 1 ? '' : 'es', ` (${fmtNum(v4.ips)} addresses)`));
        if (v6.prefixes) facts.push(fact(h('strong', null, fmtNum(v6.prefixes)), ' IPv6 prefix', v6.prefixes === 1 ? '' : 'es'));
      } else facts.push(fact(ov && ov.announced === false ? 'Not announced' : 'Originates no prefix seen by enough peers'));
      if (rs.observed_neighbours !== undefined) facts.push(fact(h('strong', null, fmtNum(rs.observed_neighbours)), ' neighbours'));
      addCommon(facts, rs);
    } else {
      const rs = (await fetchData(home, 'routing-status', p, { signal })).data;
      const origins = (rs.origins || []).map((o) => o.origin);
      if (kind === 'ip' && rs.last_seen && rs.last_seen.prefix) facts.push(fact('Routed as ', resLink(rs.last_seen.prefix)));
      if (origins.length) facts.push(fact('Originated by ', origins.map((o, i) => [i ? ', ' : '', asLink(o)])));
      else if (!rs.last_seen) facts.push(fact(h('strong', null, 'Not routed'), ' in the index'));
      const less = rs.less_specifics || [];
      if (less.length) facts.push(fact('Covered by ', resLink(less[less.length - 1].prefix)));
      if ((rs.more_specifics || []).length) facts.push(fact(h('strong', null, fmtNum(rs.more_specifics.length)), ' more-specific', rs.more_specifics.length === 1 ? '' : 's'));
      addCommon(facts, rs);
    }
  } catch (err) {
    if (err.name === 'AbortError') return;
    facts.push(h('span', { class: 'fact', style: { color: 'var(--rs-bad)' } }, `Summary unavailable: ${err.message}`));
  }
  if (!signal.aborted) clear(el).append(...facts);
}

function addCommon(facts, rs) {
  const vis = rs.visibility && rs.visibility.v4;
  const vis6 = rs.visibility && rs.visibility.v6;
  const v = vis && vis.total_ris_peers ? vis : vis6 && vis6.total_ris_peers ? vis6 : null;
  if (v) facts.push(fact('Seen by ', h('strong', null, `${v.ris_peers_seeing} of ${v.total_ris_peers}`), ' full-feed peers'));
  if (rs.first_seen && rs.first_seen.time) facts.push(fact('First seen ', h('strong', null, fmtTime(parseTime(rs.first_seen.time), { seconds: false }))));
  if (rs.query_time) facts.push(fact(h('span', { class: 'muted' }, `as of ${fmtTime(parseTime(rs.query_time))}`)));
}

/** banners draws the open incidents touching res: prominent links to their pages. */
async function banners(el, res, signal) {
  let list;
  try {
    list = (await listIncidents({ status: 'open', resource: res.value }, { signal })).incidents;
  } catch (err) {
    return; // the resource page stays useful without incidents
  }
  if (signal.aborted) return;
  list.sort((a, b) => Number(b.hijack) - Number(a.hijack));
  clear(el).append(...list.slice(0, 4).map((inc) => h('a', {
    class: `incident-banner sev-${inc.severity}`, href: `/incidents/${encodeURIComponent(inc.id)}`, 'data-incident-id': inc.id, role: 'alert',
  }, icon('alert', 18),
  h('div', { class: 'ib-text' },
    h('div', { class: 'ib-title' }, `Open incident: ${incTitle(inc)}`),
    h('div', { class: 'ib-meta' }, `${typeLabel(inc.type)} · opened ${fmtTime(parseTime(inc.opened))} · seen by ${(inc.peer_ases || []).length} peer AS${(inc.peer_ases || []).length === 1 ? '' : 'es'}`)),
  severityPill(inc.severity), h('span', { class: 'ib-go' }, 'View incident →'))));
  if (list.length > 4) el.append(h('a', { href: `/incidents?status=open&resource=${encodeURIComponent(res.value)}` }, `and ${list.length - 4} more open incidents`));
}

export default {
  usesRange: true,
  async render(main, ctx) {
    const text = ctx.route.resource;
    const res = parseResource(text);
    if (!res) {
      // A host name or AS name: searchcomplete resolves it to a resource.
      main.append(h('div', { class: 'loading-line' }, `Looking up “${text}”…`));
      let cats = [];
      try { cats = await searchComplete(text, { signal: ctx.signal }); } catch { /* not found below */ }
      if (ctx.signal.aborted) return {};
      const first = cats.flatMap((c) => c.suggestions || [])[0];
      if (first && parseResource(first.value)) { navigate(pathFor(parseResource(first.value).value) + location.search, { replace: true }); return {}; }
      main.dataset.page = 'notfound';
      clear(main).append(pageHead({ kicker: 'Not found', title: text }),
        emptyState('Nothing matches this', `“${text}” is not an AS number, prefix or IP address, and no AS name or host matches it.`, h('a', { href: '/' }, 'Search again')));
      return {};
    }
    if (res.value !== text) { navigate(pathFor(res.value) + location.search, { replace: true }); return {}; }
    main.dataset.resource = res.value;
    remember(res.value);
    document.title = `${res.value} · routestat`;
    const kind = res.kind === 'asn' ? 'asn' : 'prefix';

    const titleSub = h('span', { class: 'title-sub' });
    const meta = h('div', { class: 'page-meta summary' }, h('span', { class: 'skeleton' }));
    const bgplayLink = h('a', { class: 'btn', href: `/bgplay/${encodeURI(res.value)}${rangeSearch(ctx.range)}` }, icon('play'), 'BGPlay');
    const incLink = h('a', { class: 'btn', href: `/incidents?status=all&resource=${encodeURIComponent(res.value)}` }, icon('list'), 'Incidents');
    const head = pageHead({ kicker: kindLabel(res.kind), title: [res.value, titleSub], titleClass: 'mono', meta, actions: [incLink, bgplayLink] });
    const bannerEl = h('div', { class: 'incident-banners', id: 'incident-banner' });
    const grid = h('div', { class: 'grid widgets' });
    main.append(head, bannerEl, grid);

    // Widgets.
    let mounted = [];   // {name, span, el, widget, params}
    const onTimeSelect = (s, e) => ctx.setRange({ preset: null, start: s, end: e });
    const onSettings = (name, widget) => {
      const m = mounted.find((x) => x.widget === widget);
      if (!m) return;
      // The URL now carries the widget's own settings: so does what it was given.
      for (const [k, v] of Object.entries(syncSettings(name, widget, m.params))) {
        const key = k.slice(name.length + 1);
        if (v === null) delete m.params[key]; else m.params[key] = v;
      }
    };
    const place = (name, span, c, before) => {
      const params = widgetParams(name, res.value, c.win, settingsFromQuery(name, c.q));
      const holder = h('div', { class: span === 2 ? 'span-2 slot' : 'slot' });
      if (before) grid.insertBefore(holder, before); else grid.append(holder);
      const m = mountWidget(holder, name, params, { onTimeSelect, onSettings });
      holder.replaceWith(m.el);
      if (span === 2) m.el.classList.add('span-2');
      return { name, span, ...m };
    };
    for (const [name, span] of LAYOUT[kind]) mounted.push(place(name, span, ctx));

    // BGPlay: collapsed unless ?show=bgplay.
    const bgSlot = h('div', { class: 'span-2' });
    grid.append(bgSlot);
    let bg = null;
    const drawBGPlay = (c) => {
      const open = c.q.get('show') === 'bgplay';
      if (open && bg) {
        const p = widgetParams('bgplay', res.value, c.win, settingsFromQuery('bgplay', c.q));
        if (JSON.stringify(p) !== JSON.stringify(bg.params) && bg.widget) { bg.params = p; bg.widget.update(p); }
        return;
      }
      clear(bgSlot);
      bg = null;
      mounted = mounted.filter((m) => m.name !== 'bgplay');
      if (open) {
        bg = { name: 'bgplay', span: 2, ...mountWidget(bgSlot, 'bgplay', widgetParams('bgplay', res.value, c.win, settingsFromQuery('bgplay', c.q)), { onTimeSelect, onSettings }) };
        mounted.push(bg);
      } else {
        bgSlot.append(h('section', { class: 'card collapsed-widget', 'data-widget-collapsed': 'bgplay' },
          h('div', null, h('h2', null, 'BGPlay'),
            h('p', null, 'Replay how the routes to ', h('span', { class: 'mono' }, res.value), ' changed in this window: the AS graph, event by event.')),
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'btn', onclick: () => setQuery({ show: 'bgplay' }) }, icon('play'), 'Show here'),
            h('a', { class: 'btn', href: `/bgplay/${encodeURI(res.value)}${rangeSearch(c.range)}` }, 'Open full page'))));
      }
    };
    drawBGPlay(ctx);

    // Summary and incidents; incidents refresh when the stream reports a change.
    let sumAbort = new AbortController();
    summary(meta, titleSub, res, res.kind, ctx, sumAbort.signal);
    banners(bannerEl, res, ctx.signal);
    let t = 0;
    const unsub = subscribe(() => { clearTimeout(t); t = setTimeout(() => banners(bannerEl, res, ctx.signal), 800); }, null);

    let lastWin = `${ctx.win.start.getTime()}-${ctx.win.end.getTime()}`;
    return {
      update(c) {
        bgplayLink.setAttribute('href', `/bgplay/${encodeURI(res.value)}${rangeSearch(c.range)}`);
        for (const m of mounted.slice()) {
          if (m.name === 'bgplay' || !m.widget) continue;
          const p = widgetParams(m.name, res.value, c.win, settingsFromQuery(m.name, c.q));
          if (JSON.stringify(p) === JSON.stringify(m.params)) continue;
          const onlyTime = Object.keys({ ...p, ...m.params }).every((k) => ['starttime', 'endtime', 'timestamp', 'query_time'].includes(k) || String(p[k]) === String(m.params[k]));
          if (onlyTime) { m.params = p; m.widget.update(p); continue; }
          const i = mounted.indexOf(m);
          const next = place(m.name, m.span, c, m.el);
          m.el.remove();
          mounted[i] = next;
        }
        drawBGPlay(c);
        const w = `${c.win.start.getTime()}-${c.win.end.getTime()}`;
        if (w !== lastWin) {
          lastWin = w;
          sumAbort.abort();
          sumAbort = new AbortController();
          summary(meta, titleSub, res, res.kind, c, sumAbort.signal);
        }
        return true;
      },
      destroy() { unsub(); clearTimeout(t); sumAbort.abort(); },
    };
  },
};
