// The router: maps location.pathname to a page, navigates with
// history.pushState and turns same-origin link clicks (also inside the
// widgets' shadow roots) into in-app navigation.

/** Paths served by the Go server itself, never by the app. */
const serverPaths = /^\/(data|api|widget|widgets|widget-api|docs|metrics|v1)(\/|$)/;

/**
 * parseRoute returns {page, resource?, id?} for a pathname:
 * / and /search?q=TEXT → home, /incidents, /incidents/ID, /monitored,
 * /bgplay/RES[,RES…], else a resource.
 */
export function parseRoute(pathname) {
  let p = pathname;
  try { p = decodeURIComponent(pathname); } catch { /* keep it raw */ }
  p = p.replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '' || p === 'search') return { page: 'home' };
  if (p === 'incidents') return { page: 'incidents' };
  if (p.startsWith('incidents/')) return { page: 'incident', id: p.slice('incidents/'.length) };
  if (p === 'monitored') return { page: 'monitored' };
  if (p === 'bgplay') return { page: 'bgplay', resource: '' };
  if (p.startsWith('bgplay/')) return { page: 'bgplay', resource: p.slice('bgplay/'.length) };
  return { page: 'resource', resource: p };
}

/** pathFor builds the app path of a resource page ("/AS3333", "/193.0.0.0/21"). */
export function pathFor(resource) {
  return `/${encodeURI(String(resource))}`;
}

/** withRange appends the current URL's time range (preset, starttime, endtime) to an app path, so that moving between resources keeps the window. */
export function withRange(path) {
  const cur = new URLSearchParams(location.search);
  const u = new URLSearchParams();
  for (const k of ['preset', 'starttime', 'endtime']) if (cur.get(k)) u.set(k, cur.get(k));
  const q = u.toString().replace(/%3A/gi, ':');
  return q ? `${path}${path.includes('?') ? '&' : '?'}${q}` : path;
}

let onChange = () => {};

/** start installs the listeners; handler(route) runs on every navigation. */
export function start(handler) {
  onChange = handler;
  window.addEventListener('popstate', () => onChange());
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.composedPath().find((n) => n instanceof Element && n.tagName === 'A' && n.hasAttribute('href'));
    if (!a || (a.target && a.target !== '_self') || a.hasAttribute('download')) return;
    let url;
    try { url = new URL(a.href, location.href); } catch { return; }
    if (url.origin !== location.origin || serverPaths.test(url.pathname)) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // in-page anchor
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

/** navigate goes to an app URL (pushState, or replaceState with {replace: true}). */
export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.href === location.href) return;
  const samePage = target.pathname === location.pathname;
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  onChange();
  if (!samePage && !target.hash) window.scrollTo(0, 0);
}

/**
 * setQuery changes query parameters of the current URL (null or '' deletes
 * one) and re-renders; push: new history entry (default) or replace.
 */
export function setQuery(changes, { push = true, render = true } = {}) {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') u.searchParams.delete(k);
    else u.searchParams.set(k, String(v));
  }
  // Times and prefixes read better unescaped: ':' and '/' are legal in a query.
  u.search = u.searchParams.toString().replace(/%3A/gi, ':').replace(/%2F/gi, '/');
  if (u.href === location.href) return;
  if (push) history.pushState(null, '', u); else history.replaceState(null, '', u);
  if (render) onChange();
}

/** query returns the current URL's query parameters. */
export function query() {
  return new URLSearchParams(location.search);
}
