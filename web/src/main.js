// routestat's NOC web UI: the shell (header, search, theme, time range,
// demo banner) and the page renderer the router calls on every navigation.
// Every view's state is in its URL; a page renders from the URL alone.
import './app.css';
import { h, clear } from '../../widgets/src/core/dom.js';
import { parseRoute, start, query, setQuery, navigate, pathFor, withRange } from './router.js';
import { latestTime, demoInfo, incidents as listIncidents } from './api.js';
import { initTheme } from './theme.js';
import { initSearch } from './search.js';
import { RangeControl, rangeFromQuery, resolveWindow, rangeQuery } from './timerange.js';
import { icon, logo } from './icons.js';
import { parseResource } from './resource.js';
import { subscribe } from './live.js';
import home from './pages/home.js';
import resource from './pages/resource.js';
import incidents from './pages/incidents.js';
import incident from './pages/incident.js';
import monitored from './pages/monitored.js';
import bgplay from './pages/bgplay.js';
import notfound from './pages/notfound.js';

const pages = { home, resource, incidents, incident, monitored, bgplay, notfound };

const main = document.getElementById('main');
const rangebar = document.getElementById('rangebar');
const searchSlot = document.getElementById('search-slot');
const searchForm = document.getElementById('search-form');
const searchInput = document.getElementById('search');

document.querySelector('.brand').prepend(logo());
searchForm.prepend(icon('search'));
initTheme(document.getElementById('theme-toggle'));
initSearch(searchInput, document.getElementById('search-list'), (value) => {
  const r = parseResource(value);
  navigate(withRange(pathFor(r ? r.value : value)));
});

/** setRange changes the global time range (a new history entry). */
function setRange(range) {
  setQuery(rangeQuery(range));
}

const rangeControl = new RangeControl(document.getElementById('range'), document.getElementById('range-summary'), setRange);

let current = null;   // {path, inst, abort}
let seq = 0;

/** render draws the page of the current URL (or updates the current page in place). */
async function render() {
  const mySeq = ++seq;
  const route = parseRoute(location.pathname);
  const page = pages[route.page] || notfound;
  const q = query();
  const latest = await latestTime();
  if (mySeq !== seq) return;
  const range = rangeFromQuery(q);
  const win = resolveWindow(range, latest);
  rangebar.hidden = !page.usesRange;
  if (page.usesRange) rangeControl.sync(range, win, latest);
  for (const a of document.querySelectorAll('.nav a')) {
    if (route.page === a.dataset.nav || (route.page === 'incident' && a.dataset.nav === 'incidents')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const ctx = { route, q, latest, range, win, setRange, searchForm, main };
  if (current && current.path === location.pathname && current.inst.update) {
    if (current.inst.update(ctx) !== false) return;
  }
  if (current) {
    current.abort.abort();
    if (current.inst.destroy) current.inst.destroy();
  }
  if (searchForm.parentElement !== searchSlot) searchSlot.append(searchForm);
  if (document.activeElement !== searchInput) searchInput.value = route.page === 'resource' ? (route.resource || '') : '';
  document.body.classList.toggle('is-home', route.page === 'home');
  const abort = new AbortController();
  current = { path: location.pathname, abort, inst: {} };
  clear(main);
  main.dataset.page = route.page;
  if (route.resource) main.dataset.resource = route.resource; else delete main.dataset.resource;
  document.title = 'routestat';
  try {
    current.inst = (await page.render(main, { ...ctx, signal: abort.signal })) || {};
  } catch (err) {
    if (abort.signal.aborted) return;
    console.error(err);
    main.append(h('div', { class: 'alert alert-bad', role: 'alert' }, icon('alert'), h('div', null, h('strong', null, 'This page failed to render'), h('div', { class: 'alert-text' }, err.message || String(err)))));
  }
  refreshOpenCount();
}

let countAt = 0;
/** refreshOpenCount shows the number of open hijacks next to "Incidents" (at most every 30 s unless forced). */
async function refreshOpenCount(force = false) {
  if (!force && Date.now() - countAt < 30_000) return;
  countAt = Date.now();
  const badge = document.getElementById('nav-open-count');
  try {
    const r = await listIncidents({ status: 'open', hijacks_only: 'true', limit: 1 });
    badge.hidden = !r.total;
    badge.textContent = String(r.total);
    badge.title = `${r.total} open hijack incident${r.total === 1 ? '' : 's'}`;
  } catch {
    badge.hidden = true;
  }
}

/** showDemoBanner adds #demo-banner when the server runs the demo scenario. */
async function showDemoBanner() {
  const d = await demoInfo();
  if (!d) return;
  const res = (Array.isArray(d.resources) ? d.resources : []).filter((r) => parseResource(r));
  let text = String(d.description || 'This server replays a demo scenario.').replace(/^DEMO:\s*/, '');
  text = text.charAt(0).toUpperCase() + text.slice(1);
  const cut = text.indexOf('. ');
  const first = cut > 0 ? text.slice(0, cut + 1) : text;
  document.getElementById('banner-slot').append(h('div', { id: 'demo-banner', role: 'note', title: text },
    h('strong', null, 'DEMO'), h('span', { class: 'demo-text' }, first),
    res.length ? h('span', { class: 'demo-links' }, 'Look at ', res.map((r, i) => [i ? ' · ' : '', h('a', { href: pathFor(parseResource(r).value) }, r)])) : null,
    cut > 0 ? h('details', { class: 'demo-more' }, h('summary', null, 'Scenario'), h('p', null, text)) : null));
}

start(render);
render();
showDemoBanner();
// The badge follows the live stream: a hijack opening anywhere shows at once.
let countTimer = 0;
subscribe((msg) => {
  if (msg.event === 'snapshot') return;
  clearTimeout(countTimer);
  countTimer = setTimeout(() => refreshOpenCount(true), 500);
}, null);
