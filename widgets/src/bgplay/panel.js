// BGPlay's side panel: the origin legend (peers routing to each origin
// now), the current event's details (.bgplay-detail) and the list of all
// events ([data-event-index] rows, the current one highlighted). Built
// from text nodes only: names and communities come from data.
import { collectorName } from '../core/fmt.js';
import { h, clear } from '../core/dom.js';
import { fmtTime } from '../core/time.js';
import { originColor } from './colors.js';

const kindLabel = {
  new: 'Announcement', change: 'Path change', same: 'Re-announcement (same path)',
  withdraw: 'Withdrawal', noop: 'Withdrawal (no route to withdraw)',
};
const kindShort = { new: 'A', change: 'A', same: 'A=', withdraw: 'W', noop: 'W·' };

/** ROW is an event row's height in px (see style.js). */
export const ROW = 38;

const swatch = (o) => h('span', { class: 'sw', style: { background: originColor(o) }, 'aria-hidden': 'true' });

/** hhmmss formats unix time t; with the date when the window spans days. */
export function shortTime(t, withDate) {
  const s = new Date(t * 1000).toISOString();
  return withDate ? `${s.slice(5, 10)} ${s.slice(11, 19)}` : s.slice(11, 19);
}

/**
 * Legend lists the origins with their colour and the number of peers
 * routing to each at the cursor; update(state) refreshes the counts.
 * opts.onFocus(originIndex|null) is called on hover.
 */
export class Legend {
  constructor(model, opts = {}) {
    this.m = model;
    this.counts = [];
    this.rows = model.origins.map((o) => {
      const count = h('span', { class: 'num' });
      this.counts.push(count);
      const row = h('li', { 'data-origin': o.asn, tabindex: 0, title: `Routes to AS${o.asn}: hover to show only them` },
        swatch(o.i), h('span', { class: 'asn' }, `AS${o.asn}`), h('span', { class: 'owner muted' }, o.owner || ''), count);
      row.addEventListener('pointerenter', () => opts.onFocus && opts.onFocus(o.i));
      row.addEventListener('pointerleave', () => opts.onFocus && opts.onFocus(null));
      row.addEventListener('focus', () => opts.onFocus && opts.onFocus(o.i));
      row.addEventListener('blur', () => opts.onFocus && opts.onFocus(null));
      return row;
    });
    this.moas = h('div', { class: 'bgplay-moas', role: 'status', hidden: true });
    this.el = h('section', { class: 'bgplay-legend', 'aria-label': 'Origins' },
      h('h3', null, 'Origin AS', h('span', { class: 'muted' }, ' · peers routing to it')),
      h('ul', null, this.rows), this.moas,
      h('div', { class: 'keys muted' },
        h('span', null, h('span', { class: 'k-origin' }), 'origin'), h('span', null, h('span', { class: 'k-as' }), 'AS'),
        h('span', null, h('span', { class: 'k-peer' }), 'collector peer')));
  }

  /** update refreshes the counts from a State. */
  update(state) {
    let active = 0;
    this.m.origins.forEach((o, k) => {
      const n = state.originPeers[k];
      if (n > 0) active++;
      this.counts[k].textContent = n ? `${n} peer${n > 1 ? 's' : ''}` : '—';
      this.rows[k].classList.toggle('idle', !n);
    });
    const moas = this.m.moas[state.current + 1];
    this.moas.hidden = !moas;
    if (moas) this.moas.textContent = `⚠ ${active} origins are announcing the same prefix right now (MOAS, possible hijack)`;
  }
}

/** pathChips shows a path as AS chips, the origin in its colour. */
function pathChips(path, origin, link) {
  if (!path) return h('span', { class: 'muted' }, '(none)');
  return h('span', { class: 'path' }, path.map((as, k) => {
    const last = k === path.length - 1;
    const label = Array.isArray(as) ? `{${as.join(',')}}` : String(as);
    const attrs = { class: `hop${last ? ' orig' : ''}`, style: last ? { 'border-color': originColor(origin), color: originColor(origin) } : null };
    return Array.isArray(as) ? h('span', attrs, label) : h('a', { ...attrs, href: link(`AS${as}`), title: `AS${as}` }, label);
  }));
}

// prefixTable summarises the initial state: routes and origins per prefix.
function prefixTable(m, link) {
  const per = new Map();
  for (const r of m.initialRoutes) {
    let p = per.get(r.prefix);
    if (!p) { p = { routes: 0, origins: new Set() }; per.set(r.prefix, p); }
    p.routes++; p.origins.add(r.origin);
  }
  if (!per.size) return h('p', null, 'No routes at the start: the prefixes appear during the window.');
  const rows = [...per].sort((a, b) => b[1].routes - a[1].routes);
  const shown = rows.slice(0, 6);
  // a grid, not a <table>: the widgets' tables are the sortable kind
  return h('div', { class: 'bgplay-prefixes', role: 'list' },
    h('span', { class: 'hd' }, 'Prefix'), h('span', { class: 'hd num' }, 'Routes'), h('span', { class: 'hd' }, 'Origin'),
    shown.map(([prefix, p]) => [
      h('a', { class: 'mono', href: link(prefix), role: 'listitem' }, prefix),
      h('span', { class: 'num' }, String(p.routes)),
      h('span', null, [...p.origins].map((o) => h('span', { class: 'hop orig', style: { color: originColor(o), 'border-color': originColor(o) } }, `AS${m.origins[o].asn}`)))]),
    rows.length > shown.length ? h('span', { class: 'more muted' }, `and ${rows.length - shown.length} more prefixes`) : null);
}

/** Detail is the .bgplay-detail panel of the current event. */
export class Detail {
  constructor(model, opts) {
    this.m = model; this.opts = opts;
    this.el = h('section', { class: 'bgplay-detail', 'aria-live': 'polite', 'aria-label': 'Current event' });
  }

  /** show shows event index n (−1: the initial state). */
  show(n, state) {
    const m = this.m; const el = clear(this.el);
    const link = this.opts.resourceLink;
    if (n < 0) {
      const peers = new Set(m.initialRoutes.map((r) => r.source));
      el.append(h('h3', null, 'Initial state'),
        h('p', null, `${fmtTime(new Date(m.start * 1000))}: ${m.initialRoutes.length} route${m.initialRoutes.length === 1 ? '' : 's'} from ${peers.size} peer${peers.size === 1 ? '' : 's'}`,
          m.targets.length > 1 ? ` for ${m.targets.length} prefixes.` : '.'),
        prefixTable(m, this.opts.resourceLink),
        h('p', { class: 'muted' }, m.events.length ? 'Press Space or ▶ to play the events; ← → step through them.' : 'No route changed in this window.'));
      return;
    }
    const ev = m.events[n]; const peer = m.nodes[ev.peer];
    const kindClass = ev.type === 'W' ? 'wd' : ev.kind === 'same' ? 'same' : 'ann';
    const row = (k, ...v) => [h('dt', null, k), h('dd', null, ...v)];
    const comms = ev.community && ev.community.length ? h('span', { class: 'comms' }, ev.community.map((c) => h('span', { class: 'hop comm' }, String(c)))) : h('span', { class: 'muted' }, 'none');
    el.append(
      h('h3', null, h('span', { class: `kind ${kindClass}` }, kindLabel[ev.kind] || ev.type),
        h('span', { class: 'muted' }, ` · event ${n + 1} of ${m.events.length}`)),
      h('dl', { class: 'kv' },
        row('Time', h('span', { class: 'mono' }, fmtTime(new Date(ev.t * 1000)))),
        row('Peer', peer.asn ? h('a', { href: link(`AS${peer.asn}`) }, `AS${peer.asn}`) : null, ' ', h('span', { class: 'mono' }, peer.ip),
          peer.rrc ? h('span', { class: 'muted' }, ` ${collectorName(peer.rrc)}`) : null, peer.owner ? h('div', { class: 'muted owner' }, peer.owner) : null),
        row('Prefix', h('a', { class: 'mono', href: link(ev.prefix) }, ev.prefix)),
        row('Before', pathChips(ev.oldPath, ev.oldOrigin, link)),
        row(ev.type === 'W' ? 'After' : 'After', ev.type === 'W' ? h('span', { class: 'bad' }, 'withdrawn') : pathChips(ev.path, ev.origin, link)),
        row('Communities', comms)));
    if (ev.kind === 'same' && JSON.stringify(ev.oldCommunity) !== JSON.stringify(ev.community)) {
      el.append(h('p', { class: 'muted' }, `Communities before: ${(ev.oldCommunity || []).join(' ') || 'none'}`));
    }
  }
}

/**
 * EventList is the scrollable list of events; rows carry data-event-index
 * and a click (or Enter) jumps there via opts.onPick(index). Long lists
 * are windowed: only the rows near the visible ones exist (rows have a
 * fixed height, ROW), so highlighting a row never lays out thousands.
 */
export class EventList {
  constructor(model, opts) {
    this.m = model; this.opts = opts;
    const span = model.end - model.start;
    this.withDate = span > 86400 || new Date(model.start * 1000).getUTCDate() !== new Date(model.end * 1000).getUTCDate();
    this.multi = model.targets.length > 1;
    const n = model.events.length;
    this.buffer = n > 300 ? 12 : n; // rows kept beyond the visible ones
    // the scroller, and inside it the rows of the window between two paddings
    this.rowsEl = h('ol', { class: 'rows' });
    this.list = h('div', { class: 'bgplay-events', role: 'listbox', 'aria-label': 'Events (↑ ↓ to move)', tabindex: 0 }, this.rowsEl);
    this.rows = new Map(); // index -> li, for the rendered window
    this.from = 0; this.to = 0;
    this.list.addEventListener('click', (e) => {
      const row = e.target.closest('[data-event-index]');
      if (row) opts.onPick(Number(row.getAttribute('data-event-index')));
    });
    this.list.addEventListener('keydown', (e) => {
      const row = e.target.closest('[data-event-index]');
      if (row && e.key === 'Enter') { e.preventDefault(); opts.onPick(Number(row.getAttribute('data-event-index'))); }
      // ↑ ↓ walk through every event, re-announcements included
      const d = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
      if (d) { e.preventDefault(); opts.onPick(Math.max(-1, Math.min(this.m.events.length - 1, this.cur + d))); }
    });
    this.el = h('section', { class: 'bgplay-list' },
      h('h3', null, 'Events', h('span', { class: 'muted' }, ` · ${n.toLocaleString('en-US')}`)),
      n ? this.list : h('p', { class: 'muted' }, 'No events in this window.'));
    this.cur = -1; this.scrollY = 0; this.viewH = 0;
    this.list.addEventListener('scroll', () => {
      if (this.scrollRaf) return; // ours, about to be written
      this.scrollY = this.list.scrollTop;
      if (!this.raf) this.raf = requestAnimationFrame(() => { this.raf = 0; this.window(); });
    }, { passive: true });
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(([e]) => {
        const first = !this.viewH;
        this.viewH = e.contentRect.height;
        if (first && this.cur >= 0) { this.scrollY = -1e9; this.setCurrent(this.cur); } else this.window();
      }).observe(this.list);
    }
    this.window();
  }

  // row builds the li of event ev.
  row(ev) {
    const peer = this.m.nodes[ev.peer];
    const kind = ev.type === 'W' ? 'wd' : ev.kind === 'same' || ev.kind === 'noop' ? 'same' : 'ann';
    const path = ev.path ? ev.path.map((a) => (Array.isArray(a) ? `{${a.join(',')}}` : a)).join(' ') : 'withdrawn';
    const cur = ev.index === this.cur;
    return h('li', { 'data-event-index': ev.index, role: 'option', tabindex: -1, 'aria-selected': cur ? 'true' : 'false',
      class: `ev ${kind}${ev.kind === 'same' || ev.kind === 'noop' ? ' minor' : ''}${cur ? ' cur' : ''}` },
    h('span', { class: 't mono' }, shortTime(ev.t, this.withDate)),
    h('span', { class: `ty ${kind}` }, kindShort[ev.kind]),
    h('span', { class: 'who mono', title: `peer ${peer.ip} (AS${peer.asn})` }, `AS${peer.asn || '?'}`, this.multi ? h('span', { class: 'pf' }, ` ${ev.prefix}`) : null),
    h('span', { class: 'pa mono', title: path }, ev.origin >= 0 ? swatch(ev.origin) : null, path));
  }

  // window renders the rows around the visible ones (all of a short list).
  window() {
    const n = this.m.events.length;
    const first = Math.floor(Math.max(0, this.scrollY) / ROW);
    const last = first + Math.ceil((this.viewH || 400) / ROW);
    let from = Math.max(0, first - this.buffer); let to = Math.min(n, last + this.buffer);
    if (this.buffer >= n) { from = 0; to = n; }
    if (from >= this.from && to <= this.to && this.to > this.from) return;
    from = Math.max(0, first - 2 * this.buffer); to = Math.min(n, last + 2 * this.buffer);
    if (this.buffer >= n) { from = 0; to = n; }
    const rows = new Map(); const frag = document.createDocumentFragment();
    for (let i = from; i < to; i++) {
      const li = this.rows.get(i) || this.row(this.m.events[i]);
      rows.set(i, li); frag.appendChild(li);
    }
    this.rows = rows; this.from = from; this.to = to;
    this.rowsEl.style.paddingTop = `${from * ROW}px`;
    this.rowsEl.style.paddingBottom = `${(n - to) * ROW}px`;
    this.rowsEl.replaceChildren(frag);
  }

  /** setIgnore marks re-announcements as skipped (or not). */
  setIgnore(ignore) { this.list.classList.toggle('ignore-same', ignore); }

  /** setCurrent highlights row n and scrolls it into the list's view. */
  setCurrent(n) {
    const old = this.rows.get(this.cur);
    if (old) { old.classList.remove('cur'); old.setAttribute('aria-selected', 'false'); }
    this.cur = n;
    if (n < 0) { this.scrollY = 0; this.list.scrollTop = 0; this.window(); return; }
    // keep the row visible without scrolling the page; the list's height
    // and scroll offset are cached (no forced layout)
    const top = n * ROW; const view = this.viewH || 300;
    if (top < this.scrollY || top > this.scrollY + view - 2 * ROW) {
      this.scrollY = Math.max(0, top - view / 2);
      this.window();
      // written in the next frame, when its layout happens anyway
      if (!this.scrollRaf) {
        this.scrollRaf = requestAnimationFrame(() => { this.scrollRaf = 0; this.list.scrollTop = this.scrollY; });
      }
    }
    const row = this.rows.get(n);
    if (row) { row.classList.add('cur'); row.setAttribute('aria-selected', 'true'); }
  }
}
