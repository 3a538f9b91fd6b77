// The widget registry and mount(): the one entry point both the embed
// API (embed.js) and the web UI use.
import { Frame } from './core/frame.js';

/**
 * A widget definition: {name, title, calls: [data call names, main first],
 * kinds: ['asn','prefix','ip','none'], params: [accepted params], source,
 * info (plain text), css (extra shadow CSS), aliases?: [other names],
 * dataParams(params)?, render(el, ctx) -> Promise<data>} where ctx =
 * {params, initial, home, styling, signal, frame, data(call, params),
 * resourceLink(res), incidentLink(id), onTimeSelect, update(params),
 * reset(), caption(text), width()}.
 */
const registry = new Map();
const aliases = new Map();

/** register adds widget definitions (and their aliases). */
export function register(...defs) {
  for (const d of defs.flat()) {
    if (!d || !d.name) continue;
    registry.set(d.name, d);
    for (const a of d.aliases || []) aliases.set(a, d.name);
  }
}

/** definition returns a widget definition by name (aliases included) or undefined. */
export function definition(name) {
  return registry.get(name) || registry.get(aliases.get(name));
}

/** list returns the registered widget names (without aliases). */
export function list() {
  return [...registry.keys()];
}

/**
 * mount builds a widget in el and returns the widget object RIPEstat's
 * API exposes (get_title, get_param, get_styling, get_data_uri, get_data,
 * load, reset, reload, update). opts: {home, dataHome, styling, hooks, preload}.
 */
export function mount(el, name, params = {}, opts = {}) {
  const def = definition(name);
  if (!def) throw new Error(`routestat: unknown widget "${name}" (known: ${list().join(', ')})`);
  if (!el || !(el instanceof Element)) throw new Error(`routestat: no element to put widget "${name}" in`);
  const frame = new Frame(el, def, params, opts);
  const done = (cb) => (p) => { if (typeof cb === 'function') cb(widget); return p; };
  const onLoaded = opts.hooks && opts.hooks.onLoaded;
  const widget = {
    name: def.name,
    element: el,
    frame,
    get_title: () => def.title,
    get_param: (k) => frame.params[k],
    get_params: () => ({ ...frame.params }),
    get_styling: () => ({ ...frame.styling }),
    get_data_uri: () => frame.dataURI(),
    get_data: () => frame.data,
    load: (cb) => frame.load().then(done(cb || onLoaded)),
    reload: (cb) => frame.load().then(done(cb)),
    reset: (cb) => { frame.params = { ...frame.initial }; return frame.load().then(done(cb)); },
    update: (p, cb) => frame.update(p || {}).then(done(cb)),
  };
  el.routestatWidget = widget;
  if (!opts.preload) widget.load(onLoaded);
  return widget;
}
