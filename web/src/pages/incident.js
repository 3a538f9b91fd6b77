// /incidents/ID: one incident — title, status and severity, the "why"
// paragraph first, the evidence, the lifecycle timeline, BGPlay over the
// incident's window, and the acknowledge / false-positive actions (API key).
import { h, clear } from '../../../widgets/src/core/dom.js';
import { fmtTime, parseTime, fmtDuration, apiTime } from '../../../widgets/src/core/time.js';
import { incident as getIncident, annotate, apiKey, setAPIKey, latestTime } from '../api.js';
import { subscribe } from '../live.js';
import { pageHead, errorBox, emptyState, asLink, resLink } from '../ui.js';
import { icon } from '../icons.js';
import { title as incTitle, typeLabel, severityPill, statusPills } from '../incidentfmt.js';
import { mountWidget, widgetParams, settingsFromQuery, syncSettings } from '../widgets.js';
import { parseResource } from '../resource.js';

const USER_KEY = 'routestat.user';
const t = (s) => (s ? fmtTime(parseTime(s)) : '—');

/** bgplayWindow is the incident's window with a margin: from a little before first seen to a little after it ended. */
export function bgplayWindow(inc, latest) {
  const first = parseTime(inc.first_seen) || parseTime(inc.opened);
  const last = parseTime(inc.resolved) || (inc.status === 'open' ? latest : parseTime(inc.last_seen)) || latest;
  const span = Math.max(0, last - first);
  const pad = Math.min(Math.max(span * 0.1, 5 * 60_000), 6 * 3600_000);
  let end = new Date(last.getTime() + pad);
  if (latest && end > latest && inc.status === 'open') end = latest;
  return { start: new Date(first.getTime() - pad), end };
}

/** pathChips draws an AS path with links, the offending AS and legitimate origins marked. */
function pathLine(path, inc) {
  const legit = new Set((inc.legitimate_origins || []).map(String));
  const bad = String(inc.offending_as || inc.offending_origin || '');
  return h('li', null, String(path).split(/\s+/).filter(Boolean).map((hop, i) => {
    const n = hop.replace(/[{}]/g, '');
    const cls = n === bad && !legit.has(n) ? 'hop-bad' : legit.has(n) ? 'hop-ok' : null;
    return [i ? ' ' : '', /^\d+$/.test(n) ? h('a', { href: `/AS${n}`, class: cls }, hop) : h('span', { class: cls }, hop)];
  }));
}

/** evidence is the incident's facts as a definition list (#evidence). */
function evidence(inc) {
  const rows = [];
  const add = (k, v) => { if (v !== null && v !== undefined && v !== '') rows.push(h('dt', null, k), h('dd', null, v)); };
  const chips = (list, link) => h('span', { class: 'chips' }, list.map((x) => (link ? link(x) : h('span', { class: 'chip' }, String(x)))));
  add('Affected prefixes', (inc.prefixes || []).length ? chips(inc.prefixes, (p) => h('a', { class: 'chip', href: `/${encodeURI(p)}` }, p)) : null);
  add('Monitored prefix', inc.monitored_prefix ? [resLink(inc.monitored_prefix), inc.description ? h('span', { class: 'muted' }, ` · ${inc.description}`) : null] : null);
  add('Monitored AS', inc.monitored_as ? asLink(inc.monitored_as) : null);
  add('Legitimate origins', (inc.legitimate_origins || []).length ? chips(inc.legitimate_origins, (a) => h('a', { class: 'chip', href: `/AS${a}` }, `AS${a}`)) : h('span', { class: 'muted' }, 'none registered (squatting monitor)'));
  if (inc.offending_as) add(inc.hijack ? 'Offending AS' : 'AS involved', [asLink(inc.offending_as), inc.offending_origin && inc.offending_origin !== inc.offending_as ? [h('span', { class: 'muted' }, ' · origin '), asLink(inc.offending_origin)] : null]);
  add('First seen', t(inc.first_seen));
  add('Last seen', t(inc.last_seen));
  add('Opened', t(inc.opened));
  add('Resolved', inc.resolved ? [t(inc.resolved), h('span', { class: 'muted' }, ` · after ${fmtDuration((parseTime(inc.resolved) - parseTime(inc.opened)) / 1000)}`)] : h('span', { class: 'muted' }, 'not yet'));
  const peers = inc.peer_ases || [];
  add('Peers', [h('strong', null, `${peers.length}`), ` peer AS${peers.length === 1 ? '' : 'es'} saw it`,
    inc.total_peer_ases ? ` of ${inc.total_peer_ases} heard from` : '', ` · peak ${inc.peak_peer_ases || 0} · now ${inc.peer_ases_now || 0}`,
    inc.sessions ? ` · ${inc.sessions} session${inc.sessions === 1 ? '' : 's'}` : '']);
  if (peers.length) {
    add('Peer ASes', h('details', null, h('summary', null, `Show ${peers.length}`), chips(peers, (a) => h('a', { class: 'chip', href: `/AS${a}` }, `AS${a}`))));
  }
  add('Collectors', (inc.collectors || []).length ? chips(inc.collectors) : null);
  add('Example AS paths', (inc.example_paths || []).length ? h('ul', { class: 'paths' }, inc.example_paths.map((p) => pathLine(p, inc))) : null);
  const rpkiTone = { valid: 'ok', invalid: 'bad-soft', unknown: 'muted', 'not-found': 'muted' }[inc.rpki] || 'muted';
  add('RPKI', inc.rpki ? [h('span', { class: `pill pill-${rpkiTone}` }, inc.rpki), inc.rpki_detail ? h('span', { class: 'muted' }, ` ${inc.rpki_detail}`) : null] : null);
  add('Type', [typeLabel(inc.type), inc.code ? h('span', { class: 'muted mono' }, ` · ${inc.code}`) : null]);
  add('Group', inc.group);
  add('Detected', [t(inc.detected), h('span', { class: 'muted' }, ' (server clock)')]);
  if (inc.acknowledged || inc.false_positive) {
    add(inc.false_positive ? 'False positive' : 'Acknowledged', [inc.ack_by ? `by ${inc.ack_by}` : 'yes', inc.ack_comment ? h('div', { class: 'muted' }, `“${inc.ack_comment}”`) : null]);
  }
  add('Incident id', h('span', { class: 'mono' }, inc.id));
  return h('dl', { class: 'evidence', id: 'evidence' }, rows);
}

/** timeline is the lifecycle (#timeline), oldest first. */
function timeline(inc) {
  const list = inc.timeline || [];
  if (!list.length) return h('div', { id: 'timeline', class: 'card-body muted' }, 'No lifecycle events recorded.');
  return h('ol', { class: 'timeline', id: 'timeline' }, list.map((e) => h('li', { 'data-event': e.event },
    h('div', { class: 'tl-head' }, h('span', { class: 'tl-event' }, String(e.event || '').replace(/[_-]/g, ' ')), h('time', { class: 'tl-time', datetime: e.time }, t(e.time))),
    e.detail ? h('div', { class: 'tl-detail' }, e.detail) : null)));
}

/** actions is the acknowledge / false-positive form with the API key field. */
function actions(inc, onDone) {
  const key = h('input', { id: 'api-key', class: 'input', type: 'password', autocomplete: 'off', spellcheck: 'false', value: apiKey(), placeholder: 'X-API-Key', 'aria-describedby': 'api-key-help' });
  key.addEventListener('change', () => setAPIKey(key.value.trim()));
  const show = h('button', { type: 'button', class: 'btn', 'aria-pressed': 'false', onclick: () => {
    const vis = key.type === 'password';
    key.type = vis ? 'text' : 'password';
    show.setAttribute('aria-pressed', String(vis));
    show.textContent = vis ? 'Hide' : 'Show';
  } }, 'Show');
  let user = '';
  try { user = localStorage.getItem(USER_KEY) || ''; } catch { /* none */ }
  const by = h('input', { id: 'ack-by', class: 'input', type: 'text', value: user, placeholder: 'your name', maxlength: 100 });
  const comment = h('textarea', { id: 'ack-comment', class: 'input', rows: 2, maxlength: 2000, placeholder: 'optional: what you found, ticket number…' });
  const result = h('div', { class: 'result', id: 'action-result', 'aria-live': 'polite' });
  const run = async (action, btn) => {
    setAPIKey(key.value.trim());
    try { localStorage.setItem(USER_KEY, by.value.trim()); } catch { /* not remembered */ }
    clear(result);
    btn.disabled = true;
    try {
      const updated = await annotate(inc.id, action, by.value.trim(), comment.value.trim());
      result.append(h('div', { class: 'alert alert-ok', role: 'status' }, icon('check'),
        h('div', null, action === 'acknowledge' ? 'Acknowledged.' : 'Marked as a false positive: no more notifications for it.')));
      comment.value = '';
      onDone(updated);
    } catch (err) {
      const what = err.status === 401 ? 'The server refused the API key' : err.status === 403 ? 'The server does not allow this' : 'The action failed';
      result.append(errorBox(err, what));
    } finally {
      btn.disabled = false;
    }
  };
  const ack = h('button', { type: 'button', id: 'ack', class: 'btn btn-primary', onclick: (e) => run('acknowledge', e.currentTarget) }, icon('check'), 'Acknowledge');
  const fp = h('button', { type: 'button', id: 'false-positive', class: 'btn btn-danger', onclick: (e) => run('false-positive', e.currentTarget) }, 'Mark false positive');
  return h('div', { class: 'actions-form' },
    h('label', { class: 'field' }, h('span', null, 'API key'), h('div', { class: 'key-row' }, key, show)),
    h('div', { id: 'api-key-help', class: 'muted', style: { 'font-size': '12px', 'margin-top': '-6px' } }, 'Stored in this browser only (localStorage).'),
    h('label', { class: 'field' }, h('span', null, 'By'), by),
    h('label', { class: 'field' }, h('span', null, 'Comment'), comment),
    h('div', { class: 'row' }, ack, fp),
    result);
}

export default {
  usesRange: false,
  async render(main, ctx) {
    const id = ctx.route.id;
    main.append(h('div', { class: 'loading-line' }, 'Loading the incident…'));
    let inc;
    try {
      inc = await getIncident(id, { signal: ctx.signal });
    } catch (err) {
      if (err.name === 'AbortError') return {};
      clear(main).append(pageHead({ kicker: 'Incident', title: id }), err.status === 404
        ? emptyState('No such incident', err.message, h('a', { href: '/incidents' }, 'All incidents'))
        : errorBox(err, 'Cannot load the incident'));
      return {};
    }
    if (ctx.signal.aborted) return {};
    document.title = `${incTitle(inc)} · routestat`;
    const latest = ctx.latest || await latestTime();

    // BGPlay (and the links) cover the incident's window, on the affected prefix.
    const target = (inc.prefixes || [])[0] || inc.monitored_prefix || (inc.monitored_as ? `AS${inc.monitored_as}` : '');
    const win = bgplayWindow(inc, latest);
    const winQuery = `starttime=${apiTime(win.start)}&endtime=${apiTime(win.end)}`;
    const statusEl = h('span', { id: 'incident-status' });
    const why = h('p', { id: 'why' });
    const evidenceCard = h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Evidence')));
    const timelineCard = h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Timeline')));
    const actCard = h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Respond')));
    const head = h('div');

    const draw = (x) => {
      inc = x;
      const sev = ['critical', 'high'].includes(x.severity) ? 'bad' : x.severity;
      clear(statusEl).append(...[severityPill(x.severity), statusPills(x), x.hijack ? null : h('span', { class: 'pill pill-muted' }, 'not a hijack')].filter(Boolean));
      clear(head).append(pageHead({
        kicker: `Incident · ${typeLabel(x.type)}`,
        title: incTitle(x),
        meta: [statusEl, h('span', null, `opened ${t(x.opened)}`), x.resolved ? h('span', null, `resolved ${t(x.resolved)}`) : null],
        actions: [
          h('a', { class: 'btn', href: `/incidents?status=all${x.monitored_prefix ? `&monitor=${encodeURIComponent(x.monitored_prefix)}` : ''}`, title: 'Incidents of the same monitored resource' }, icon('list'), 'Related'),
          target && parseResource(target) ? h('a', { class: 'btn', href: `/${encodeURI(target)}?${winQuery}`, title: `${target} over the incident's window` }, 'Resource') : null,
          target && parseResource(target) ? h('a', { class: 'btn', href: `/bgplay/${encodeURI(target)}?${winQuery}`, title: 'BGPlay of the incident window, full page' }, icon('play'), 'BGPlay') : null,
        ],
      }));
      why.className = `sev-${sev}`;
      clear(why).append(h('span', { class: 'why-label' }, 'Why this was raised'), x.why || 'The detector gave no explanation.');
      clear(evidenceCard).append(h('div', { class: 'card-head' }, h('h2', null, 'Evidence')), evidence(x));
      clear(timelineCard).append(h('div', { class: 'card-head' }, h('h2', null, 'Timeline'), h('span', { class: 'muted', style: { 'font-size': '12px' } }, `${(x.timeline || []).length} events`)), timeline(x));
    };
    draw(inc);
    clear(actCard).append(h('div', { class: 'card-head' }, h('h2', null, 'Respond')), h('div', { class: 'card-body' }, actions(inc, draw)));

    let bgParams = widgetParams('bgplay', target, win, settingsFromQuery('bgplay', ctx.q));
    const bgCard = h('section', { class: 'incident-bgplay' });
    if (target && parseResource(target)) {
      mountWidget(bgCard, 'bgplay', bgParams, {
        onSettings: (name, w) => {
          for (const [k, v] of Object.entries(syncSettings(name, w, bgParams))) {
            bgParams = { ...bgParams };
            if (v === null) delete bgParams[k.slice(name.length + 1)]; else bgParams[k.slice(name.length + 1)] = v;
          }
        },
      });
    }

    clear(main).append(head,
      h('div', { class: 'incident-layout' },
        h('div', { class: 'incident-main' }, why, evidenceCard),
        h('div', { class: 'incident-side' }, actCard, timelineCard)),
      bgCard);

    const unsub = subscribe((msg) => { if (msg.incident && msg.incident.id === inc.id) draw(msg.incident); }, null);
    return {
      update(c) {
        const p = widgetParams('bgplay', target, win, settingsFromQuery('bgplay', c.q));
        const w = bgCard.querySelector('.widget');
        if (w && w.routestatWidget && JSON.stringify(p) !== JSON.stringify(bgParams)) { bgParams = p; w.routestatWidget.update(p); }
        return true;
      },
      destroy() { unsub(); },
    };
  },
};
