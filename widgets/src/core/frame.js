// A widget's frame: a shadow root (so neither the host page's styles nor
// the widget's leak either way) holding the title, the body the widget
// draws into, and the bar RIPEstat users know — source, data, embed code,
// permalink, info.
import { h, clear } from './dom.js';
import { baseCSS } from './styles.js';
import { dataURL, fetchData, DataError } from './api.js';

const sizes = { micro: 160, mini: 256, small: 360, compact: 480, medium: 640, large: 1280 };
const barItems = ['source', 'data', 'embed-code', 'permalink', 'info'];

// enc encodes a fragment value, keeping "/", ":" and "," readable (all legal in a fragment).
const enc = (s) => encodeURIComponent(String(s)).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%2C/gi, ',');

/** permalink is the single-widget page reproducing a widget: /widget/<name>#w.k=v&… */
export function permalink(home, name, params) {
  const frag = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `w.${enc(k)}=${enc(v)}`).join('&');
  return `${new URL(`widget/${encodeURIComponent(name)}`, home)}${frag ? `#${frag}` : ''}`;
}

/**
 * embedCode is the snippet that embeds a widget in another page; styling
 * (size, theme, disable, show_controls) is included when given.
 */
export function embedCode(home, name, params, styling) {
  const api = new URL('widgets/widget_api.js', home);
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const sty = styling && Object.keys(styling).length ? `, null, ${JSON.stringify(styling)}` : '';
  // JSON inside a <script>: "</" must not close the element.
  const args = `${JSON.stringify(name)}, ${JSON.stringify(clean)}${sty}`.replace(/<\//g, '<\\/');
  return `<script src="${api}"></script>\n<div class="statwdgtauto"><script>routestat.init(${args})</script></div>`;
}

// The styling keys worth repeating in embed code (the rest are internal).
const stylingKeys = ['size', 'theme', 'disable', 'show_controls', 'resource_input_text'];

/**
 * Frame hosts one widget definition (see ../index.js) in host element el.
 * opts: {home, dataHome?, styling, hooks} — hooks are the embedding page's
 * callbacks (onTimeSelect(start, end), resourceLink(resource) -> URL,
 * incidentLink(id) -> URL, onLoaded(widget)); dataHome is the base URL of
 * the data API when it differs from home (STAT_DATA_API_URL).
 */
export class Frame {
  constructor(el, def, params, opts) {
    this.def = def;
    this.params = { ...params };
    this.initial = { ...params };
    this.home = opts.home;
    this.dataHome = opts.dataHome || opts.home;
    this.styling = { ...(opts.styling || {}) };
    this.hooks = opts.hooks || {};
    this.urls = [];
    this.messages = [];
    this.data = null;
    this.host = el;
    const theme = this.styling.theme || el.getAttribute('data-theme') || 'auto';
    el.setAttribute('data-theme', theme);
    if (!el.hasAttribute('data-widget')) el.setAttribute('data-widget', def.name);
    const size = this.styling.size || 'fit';
    if (sizes[size]) el.style.maxWidth = `${sizes[size]}px`;
    else if (/^\d+(px)?$/.test(String(size))) el.style.maxWidth = `${parseInt(size, 10)}px`;
    this.root = el.shadowRoot || el.attachShadow({ mode: 'open' });
    clear(this.root);
    const style = h('style', null, baseCSS + (def.css || ''));
    const disabled = new Set([].concat(this.styling.disable || []).flatMap((d) => String(d).split(',')).map((d) => d.trim()));
    this.disabled = disabled;
    this.titleEl = h('h2', { class: 'title' }, def.title);
    this.resEl = h('span', { class: 'resource' });
    this.captionEl = h('span', { class: 'caption' });
    this.body = h('div', { class: 'body', part: 'body', 'aria-live': 'polite' });
    this.notes = h('ul', { class: 'notes', hidden: true });
    this.panel = h('div', { class: 'panel', hidden: true, role: 'region' });
    const buttons = disabled.has('footer-buttons') ? [] : barItems.filter((b) => !disabled.has(b) && !(b === 'data' && disabled.has('data-download')))
      .map((b) => h('button', { type: 'button', 'aria-expanded': 'false', 'data-bar': b, onclick: (e) => this.toggle(b, e.currentTarget) }, b.replace('-', ' ')));
    this.buttons = buttons;
    const showControls = String(this.styling.show_controls || '').toLowerCase() === 'yes' && !disabled.has('controls');
    const frame = h('div', { class: disabled.has('container') ? 'frame bare' : 'frame', part: 'frame' },
      disabled.has('title') ? null : h('div', { class: 'head' }, this.titleEl, this.resEl, this.captionEl),
      showControls ? this.controls() : null,
      this.body,
      this.notes,
      buttons.length ? h('div', { class: 'bar', role: 'toolbar', 'aria-label': 'widget tools' }, buttons,
        disabled.has('logo') ? null : h('span', { class: 'brand' }, 'routestat')) : null,
      this.panel);
    this.root.append(style, frame);
  }

  // controls is the resource box of show_controls=yes: it reloads the
  // widget for the resource typed.
  controls() {
    this.input = h('input', { type: 'text', 'aria-label': 'resource', spellcheck: 'false', autocomplete: 'off',
      placeholder: this.styling.resource_input_text || 'AS number, prefix or IP address' });
    return h('form', { class: 'controls', onsubmit: (e) => {
      e.preventDefault();
      const r = this.input.value.trim();
      if (r) this.update({ resource: r });
    } }, this.input, h('button', { type: 'submit', class: 'btn primary' }, 'Go'));
  }

  /** update merges params and reloads (the widget object's update). */
  update(p) {
    this.params = { ...this.params, ...p };
    for (const [k, v] of Object.entries(p)) if (v === undefined || v === null) delete this.params[k];
    return this.load();
  }

  toggle(what, btn) {
    const open = btn.getAttribute('aria-expanded') === 'true';
    for (const b of this.buttons) b.setAttribute('aria-expanded', 'false');
    clear(this.panel);
    if (open) { this.panel.hidden = true; return; }
    btn.setAttribute('aria-expanded', 'true');
    this.panel.hidden = false;
    this.panel.append(...this.panelContent(what));
  }

  // publicStyling is the styling an embed code should repeat.
  publicStyling() {
    return Object.fromEntries(stylingKeys.filter((k) => this.styling[k] !== undefined && this.styling[k] !== '').map((k) => [k, this.styling[k]]));
  }

  panelContent(what) {
    const params = this.params;
    switch (what) {
      case 'source':
        return [h('p', null, this.def.source || 'routestat route collectors and the MRT archives indexed by this server.'),
          h('p', { class: 'muted' }, 'Data calls: ', this.def.calls.join(', '), ' — served by ', h('a', { href: new URL('docs/data_api', this.dataHome).toString(), target: '_blank', rel: 'noopener' }, 'this server\'s data API'), '.')];
      case 'data':
        return [h('p', null, 'The data behind this widget (JSON, RIPEstat-compatible):'),
          h('ul', null, (this.urls.length ? [...new Set(this.urls)] : [this.dataURI()]).map((u) => h('li', null, h('a', { href: u, target: '_blank', rel: 'noopener', class: 'mono', 'data-uri': '' }, u))))];
      case 'embed-code': {
        const ta = h('textarea', { readonly: true, 'aria-label': 'embed code', spellcheck: 'false' }, embedCode(this.home, this.def.name, params, this.publicStyling()));
        return [h('p', null, 'Paste into any page:'), ta, copyButton(() => ta.value)];
      }
      case 'permalink': {
        const u = permalink(this.home, this.def.name, params);
        return [h('p', null, h('a', { href: u, target: '_blank', rel: 'noopener', class: 'mono', 'data-permalink': '' }, u)), copyButton(() => u)];
      }
      default:
        return [h('div', { class: 'info' }, this.def.info || '')];
    }
  }

  /** dataURI is the URL of the widget's main data call. */
  dataURI() {
    const call = this.def.calls[0];
    const p = this.def.dataParams ? this.def.dataParams(this.params) : this.params;
    return dataURL(this.dataHome, call, p);
  }

  /** context builds the ctx a definition's render gets (see ../index.js). */
  context(abort) {
    const frame = this;
    return {
      params: this.params,
      initial: this.initial,
      home: this.home,
      styling: this.styling,
      signal: abort.signal,
      frame: this,
      // data fetches a call, records its URL (data button) and its info
      // and warning messages (shown under the widget).
      data: async (call, p) => {
        const r = await fetchData(this.dataHome, call, p, { signal: abort.signal });
        if (abort.signal.aborted) throw new DOMException('aborted', 'AbortError');
        this.urls.push(r.url);
        for (const m of (r.envelope && r.envelope.messages) || []) {
          if (Array.isArray(m) && (m[0] === 'info' || m[0] === 'warning') && m[1]) this.messages.push([m[0], String(m[1])]);
        }
        return r.data;
      },
      resourceLink: (res) => (this.hooks.resourceLink ? this.hooks.resourceLink(String(res)) : new URL(encodeURI(String(res)), this.home).toString()),
      incidentLink: (id) => (this.hooks.incidentLink ? this.hooks.incidentLink(String(id)) : new URL(`incidents/${encodeURIComponent(String(id))}`, this.home).toString()),
      onTimeSelect: this.hooks.onTimeSelect || null,
      // update reloads the widget with changed params (local controls).
      update: (p) => frame.update(p).then(() => {
        if (typeof frame.hooks.onLoaded === 'function' && frame.host.routestatWidget) frame.hooks.onLoaded(frame.host.routestatWidget);
      }),
      reset: () => { frame.params = { ...frame.initial }; return frame.load(); },
      // caption sets the short text at the right of the title (e.g. the time).
      caption: (text) => { frame.captionEl.textContent = text || ''; },
      // width is the body's content width in pixels (charts size to it).
      width: () => Math.max(200, (frame.body.clientWidth || 640) - 26),
    };
  }

  /** load (re)draws the widget; resolves when done, never rejects (errors are shown). */
  async load() {
    if (this.abort) this.abort.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.urls = [];
    this.messages = [];
    this.resEl.textContent = this.params.resource || '';
    this.captionEl.textContent = '';
    if (this.input) this.input.value = this.params.resource || '';
    this.notes.hidden = true;
    clear(this.notes);
    this.body.setAttribute('aria-busy', 'true');
    clear(this.body).append(h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spin', 'aria-hidden': 'true' }), 'Loading…'));
    this.host.setAttribute('data-state', 'loading');
    const ctx = this.context(abort);
    try {
      const body = h('div');
      // Render into an invisible, attached box so that charts can measure.
      const hidden = h('div', { 'aria-hidden': 'true', style: { position: 'absolute', visibility: 'hidden', left: '0', right: '0', top: '0', height: '0', overflow: 'hidden' } }, body);
      this.body.append(hidden);
      this.data = await this.def.render(body, ctx);
      if (abort.signal.aborted) return;
      hidden.remove();
      clear(this.body).append(body);
      this.showNotes();
      this.host.setAttribute('data-state', 'ready');
    } catch (err) {
      if (abort.signal.aborted) return;
      const msg = err instanceof DataError || (err && err.message) ? err.message : String(err);
      clear(this.body).append(h('div', { class: 'error', role: 'alert' }, h('span', null, msg),
        h('button', { type: 'button', class: 'btn', onclick: () => this.load() }, 'Retry')));
      this.host.setAttribute('data-state', 'error');
    } finally {
      if (!abort.signal.aborted) this.body.removeAttribute('aria-busy');
    }
  }

  // showNotes lists the data API's info and warning messages once each.
  showNotes() {
    const seen = new Set();
    for (const [level, text] of this.messages) {
      if (seen.has(text)) continue;
      seen.add(text);
      this.notes.append(h('li', { class: level }, text));
    }
    this.notes.hidden = seen.size === 0 || this.disabled.has('notes');
  }
}

// copyButton copies text to the clipboard (when the page allows it).
function copyButton(text) {
  const b = h('button', { type: 'button', class: 'btn', onclick: async () => {
    try { await navigator.clipboard.writeText(text()); b.textContent = 'Copied'; } catch { b.textContent = 'Select and copy'; }
    setTimeout(() => { b.textContent = 'Copy'; }, 1500);
  } }, 'Copy');
  return h('p', null, b);
}
