// widget_api.js entry: the global routestat API (and its ripestat alias)
// as RIPEstat's widget API defines it — init, preload, list_widgets —
// plus two extensions: declarative <div class="statwdgtauto"
// data-widget=…> embeds, and the single-widget page (data-page=NAME on
// the script tag) that mounts a widget from location.hash.
import './all.js';
import { mount, list, definition } from './index.js';

const loader = document.currentScript;
const g = window;

// slash makes sure a base URL ends in "/".
const slash = (u) => (u.endsWith('/') ? u : `${u}/`);

/** home is routestat's base URL: STAT_HOME, else the origin of this script's src. */
const home = (() => {
  if (g.STAT_HOME) return slash(new URL(String(g.STAT_HOME), location.href).toString());
  if (loader && loader.src) return new URL('/', loader.src).toString();
  return new URL('/', location.href).toString();
})();

/** dataHome is the base the data API's /data/… URLs hang off (STAT_DATA_API_URL is ".../data/"). */
const dataHome = (() => {
  if (!g.STAT_DATA_API_URL) return home;
  const u = slash(new URL(String(g.STAT_DATA_API_URL), location.href).toString());
  return u.replace(/data\/$/, '');
})();

const className = () => String(g.STAT_DOM_CLASS_NAME || 'statwdgtauto');

// normStyling accepts RIPEstat's stylingParams and ours (theme).
function normStyling(s) {
  const out = { size: 'medium', ...(s || {}) };
  if (typeof out.disable === 'string') out.disable = out.disable.split(',').map((x) => x.trim()).filter(Boolean);
  if (out.theme && !['light', 'dark', 'auto'].includes(String(out.theme))) delete out.theme;
  return out;
}

// place finds the element a widget goes into: elementId (an id or an
// element), else a new box right after the calling script inside its
// enclosing div.statwdgtauto.
function place(elementId, fn) {
  if (elementId) {
    const el = elementId instanceof Element ? elementId : document.getElementById(String(elementId).replace(/^#/, ''));
    if (!el) throw new Error(`routestat.${fn}: there is no element with id "${elementId}"`);
    return el;
  }
  const script = document.currentScript;
  const box = script && script !== loader && script.closest ? script.closest(`div.${className()}`) : null;
  if (!box) {
    throw new Error(`routestat.${fn}: no place for the widget: give an elementId, or call ${fn} from a <script> inside <div class="${className()}">`);
  }
  const host = document.createElement('div');
  host.className = 'routestat-widget';
  script.after(host);
  return host;
}

function build(fn, type, loadingParams, elementId, stylingParams, onLoaded, preload) {
  if (!definition(type)) throw new Error(`routestat.${fn}: unknown widget "${type}" (known: ${list().join(', ')})`);
  const el = place(elementId, fn);
  const hooks = {};
  if (typeof onLoaded === 'function') hooks.onLoaded = onLoaded;
  return mount(el, type, { ...(loadingParams || {}) }, { home, dataHome, styling: normStyling(stylingParams), hooks, preload });
}

const api = {
  /** init(type, loadingParams?, elementId?, stylingParams?, onLoaded?) builds and loads a widget; returns it. */
  init: (type, loadingParams, elementId, stylingParams, onLoaded) => build('init', type, loadingParams, elementId, stylingParams, onLoaded, false),
  /** preload(type, loadingParams?, elementId?, stylingParams?) builds the frame only; call .load() on the result. */
  preload: (type, loadingParams, elementId, stylingParams) => build('preload', type, loadingParams, elementId, stylingParams, null, true),
  /** list_widgets() names every widget this server offers. */
  list_widgets: () => list(),
  home,
  version: '1.2-routestat',
};

// The globals: never overwrite a page's own (or RIPEstat's) objects.
if (!g.routestat) g.routestat = api;
if (!g.ripestat) g.ripestat = g.routestat;

// whenReady runs f once the document is parsed.
function whenReady(f) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', f, { once: true });
  else f();
}

// The declarative form: <div class="statwdgtauto" data-widget="routing-status"
// data-resource="AS3333" data-starttime=… data-size="fit" data-theme="dark">.
// Data attributes become parameters (data-min-peers and data-min_peers both
// give min_peers); size, theme, disable, show-controls and
// resource-input-text are styling.
const stylingAttrs = { size: 'size', theme: 'theme', disable: 'disable', showControls: 'show_controls', show_controls: 'show_controls', resourceInputText: 'resource_input_text', resource_input_text: 'resource_input_text' };

function autoInit() {
  for (const box of document.querySelectorAll(`div.${className()}[data-widget]`)) {
    if (box.routestatWidget || box.hasAttribute('data-routestat')) continue;
    box.setAttribute('data-routestat', 'auto');
    const params = {};
    const styling = {};
    for (const [k, v] of Object.entries(box.dataset)) {
      if (k === 'widget' || k === 'routestat' || k === 'state') continue;
      if (stylingAttrs[k]) styling[stylingAttrs[k]] = v;
      else params[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
    }
    const host = document.createElement('div');
    host.className = 'routestat-widget';
    box.append(host);
    try {
      mount(host, box.dataset.widget, params, { home, dataHome, styling: normStyling(styling) });
    } catch (err) {
      host.textContent = err.message;
      console.error(err);
    }
  }
}

// The single-widget page (/widget/NAME#w.resource=…&w.starttime=…): mounts
// NAME into #widget and follows hash changes; w.show=maximized fills the
// window, w.theme picks light or dark.
function parseHash(hash) {
  const params = {};
  const styling = {};
  for (const part of hash.replace(/^#/, '').split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const dec = (s) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; } };
    const k = dec(i < 0 ? part : part.slice(0, i)).replace(/^w\./, '');
    const v = i < 0 ? '' : dec(part.slice(i + 1));
    if (k === 'show' || k === 'theme' || k === 'size') styling[k] = v;
    else if (k) params[k] = v;
  }
  return { params, styling };
}

function pageHash(params, styling) {
  const enc = (s) => encodeURIComponent(String(s)).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%2C/gi, ',');
  return Object.entries({ ...params, ...styling }).filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `w.${enc(k)}=${enc(v)}`).join('&');
}

function page(name) {
  let el = document.getElementById('widget');
  if (!el) {
    el = document.createElement('div');
    el.id = 'widget';
    document.body.append(el);
  }
  const show = () => {
    const { params, styling } = parseHash(location.hash);
    const def = definition(name);
    const old = el.routestatWidget;
    if (old && old.frame && old.frame.abort) old.frame.abort.abort();
    if (!def) {
      el.textContent = `There is no widget "${name}". Widgets: ${list().join(', ')}.`;
      document.title = 'Unknown widget · routestat';
      return;
    }
    document.title = `${def.title}${params.resource ? ` — ${params.resource}` : ''} · routestat`;
    const maximized = styling.show === 'maximized';
    document.documentElement.style.height = maximized ? '100%' : '';
    document.body.style.cssText = maximized ? 'margin:0;padding:0;height:100%' : '';
    el.style.height = maximized ? '100%' : '';
    mount(el, def.name, params, {
      home,
      dataHome,
      styling: { size: 'fit', theme: styling.theme || 'auto', ...(maximized ? { disable: ['container'] } : {}) },
      hooks: {
        // Settings changed inside the widget go into the URL (no new entry).
        onLoaded: (w) => {
          const hsh = pageHash(w.get_params(), styling);
          if (hsh !== location.hash.replace(/^#/, '')) history.replaceState(history.state, '', `#${hsh}`);
        },
        // Zooming changes the page's URL, so back and the permalink work.
        onTimeSelect: (start, end) => {
          const iso = (d) => d.toISOString().slice(0, 19);
          location.hash = pageHash({ ...el.routestatWidget.get_params(), starttime: iso(start), endtime: iso(end) }, styling);
        },
      },
    });
  };
  show();
  window.addEventListener('hashchange', show);
}

if (g.routestat === api) {
  const pageName = loader && loader.dataset ? loader.dataset.page : '';
  whenReady(() => {
    if (pageName) page(pageName);
    autoInit();
  });
}
