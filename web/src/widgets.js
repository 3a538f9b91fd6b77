// Mounting the embeddable widgets in the app: their parameters from the
// resource, the time window and the URL's NAME.param=value settings, the
// hooks (zoom narrows the range, resource links stay in the app, settings
// a widget changes go back into the URL), and a placeholder for a widget
// this build lacks.
import '../../widgets/src/all.js';
import { mount, definition } from '../../widgets/src/index.js';
import { h } from '../../widgets/src/core/dom.js';
import { apiTime } from '../../widgets/src/core/time.js';
import { home } from './api.js';
import { parseResource } from './resource.js';
import { pathFor, query, setQuery, withRange } from './router.js';
import { current as currentTheme } from './theme.js';

const TIME_KEYS = ['resource', 'starttime', 'endtime', 'timestamp', 'query_time'];

/** settingsFromQuery returns the URL's settings of widget name ({param: value} from name.param=value). */
export function settingsFromQuery(name, q = query()) {
  const out = {};
  for (const [k, v] of q) if (k.startsWith(`${name}.`)) out[k.slice(name.length + 1)] = v;
  return out;
}

/**
 * widgetParams builds a widget's parameters: resource, the window as the
 * widget accepts it (starttime/endtime, or the end as timestamp /
 * query_time for point-in-time widgets), then the URL's settings.
 */
export function widgetParams(name, resource, win, settings = {}) {
  const def = definition(name);
  const accepted = def && Array.isArray(def.params) ? def.params : null;
  const has = (k) => !accepted || accepted.includes(k);
  const p = {};
  if (resource) p.resource = resource;
  if (win) {
    // Point-in-time widgets (they take query_time or timestamp) get the end
    // of the window; the others the window.
    if (accepted && accepted.includes('query_time')) p.query_time = apiTime(win.end);
    else if (accepted && accepted.includes('timestamp')) p.timestamp = apiTime(win.end);
    else {
      if (has('starttime')) p.starttime = apiTime(win.start);
      if (has('endtime')) p.endtime = apiTime(win.end);
    }
  }
  return { ...p, ...settings };
}

/** hooks are the callbacks every widget in the app gets. */
export function hooks(name, { onTimeSelect, onSettings } = {}) {
  return {
    onTimeSelect: onTimeSelect || null,
    resourceLink: (res) => {
      const r = parseResource(String(res).replace(/^\[|\]$/g, ''));
      return `${location.origin}${withRange(pathFor(r ? r.value : res))}`;
    },
    incidentLink: (id) => `${location.origin}/incidents/${encodeURIComponent(String(id))}`,
    onLoaded: (widget) => { if (onSettings) onSettings(name, widget); },
  };
}

/**
 * syncSettings writes the settings a widget changed by itself (params
 * that differ from what the app gave it, resource and time excluded) into
 * the URL as name.param=value, without a new history entry; returns
 * them ({"name.param": value or null}).
 */
export function syncSettings(name, widget, given) {
  const def = definition(name);
  const accepted = def && Array.isArray(def.params) ? def.params : [];
  const now = widget.get_params();
  const changes = {};
  for (const k of accepted) {
    if (TIME_KEYS.includes(k)) continue;
    const v = now[k];
    if (v === undefined || v === null || v === '') { if (given[k] !== undefined) changes[`${name}.${k}`] = null; continue; }
    if (String(v) !== String(given[k] ?? '')) changes[`${name}.${k}`] = String(v);
  }
  if (Object.keys(changes).length) setQuery(changes, { push: false, render: false });
  return changes;
}

/**
 * mountWidget creates <div class="widget" data-widget=name> in parent and
 * mounts the widget (or a placeholder when this build lacks it). Returns
 * {el, widget|null, params}.
 */
export function mountWidget(parent, name, params, opts = {}) {
  const el = h('div', { class: `widget ${opts.class || ''}`, 'data-widget': name, 'data-theme': currentTheme() });
  parent.append(el);
  if (!definition(name)) {
    el.classList.add('widget-missing');
    el.append(h('div', { class: 'missing-frame' }, h('div', { class: 'missing-title' }, name),
      h('p', { class: 'muted' }, 'This widget is not available in this build.')));
    return { el, widget: null, params };
  }
  try {
    const widget = mount(el, name, params, { home, styling: { theme: currentTheme(), ...(opts.styling || {}) }, hooks: hooks(name, opts) });
    return { el, widget, params };
  } catch (err) {
    el.append(h('div', { class: 'alert alert-bad', role: 'alert' }, `${name}: ${err.message}`));
    return { el, widget: null, params };
  }
}
