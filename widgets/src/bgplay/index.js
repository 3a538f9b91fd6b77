// BGPlay: an animated graph of the AS paths from the collector peers to
// the origin(s) of a resource over a time window, from the bgplay data
// call. model.js precomputes the per-event diffs, layout.js places every
// node once, graph.js / timeline.js / panel.js draw; Player ties them to
// the controls (play, step, seek) and keeps the DOM contract:
// .bgplay[data-events][data-current][data-playing].
import { h, clear } from '../core/dom.js';
import { fmtTime } from '../core/time.js';
import { buildModel, State, indexAt, isStep, unix } from './model.js';
import { layout } from './layout.js';
import { Graph } from './graph.js';
import { Timeline } from './timeline.js';
import { Legend, Detail, EventList } from './panel.js';
import { css } from './style.js';

const speeds = [0.5, 1, 2, 4, 8, 16, 32, 64]; // steps per second
const falsy = (v) => /^(false|0|no|off)$/i.test(String(v ?? '').trim());
const icons = {
  first: 'M2 3h2v10H2zM9 3 4 8l5 5zM15 3l-5 5 5 5z', 'step-back': 'M11 3 4 8l7 5zM12 3h2v10h-2z', play: 'M4 2.5v11L13 8z',
  pause: 'M4 3h3v10H4zM9 3h3v10H9z', 'step-forward': 'M5 3l7 5-7 5zM2 3h2v10H2z', last: 'M1 3l5 5-5 5zM7 3l5 5-5 5zM12 3h2v10h-2z',
};
// icon is a control's 16px SVG icon.
const icon = (name) => h('svg:svg', { viewBox: '0 0 16 16', width: 16, height: 16, 'aria-hidden': 'true', fill: 'currentColor' }, h('svg:path', { d: icons[name] }));
const plural = (n, w) => `${n.toLocaleString('en-US')} ${w}${n === 1 ? '' : 's'}`;

/** dataParams is the bgplay query behind the widget (unix_timestamps=TRUE always). */
function dataParams(p) {
  return { resource: p.resource, starttime: p.starttime, endtime: p.endtime, rrcs: p.rrcs, unix_timestamps: 'TRUE' };
}

/**
 * Player is one BGPlay view of a bgplay answer inside root (.bgplay):
 * owns the model and state, the graph, timeline and panels, and moves
 * them together in time.
 */
export class Player {
  constructor(root, data, ctx) {
    this.root = root; this.data = data; this.ctx = ctx;
    const p = ctx.params || {};
    this.ignore = !falsy(p.ignoreReannouncements);
    this.speed = 2;
    this.playing = false;
    this.observers = [];
    const inst = p.instant && String(p.instant) !== 'null' ? unix(/^\d+$/.test(String(p.instant)) ? Number(p.instant) : p.instant) : NaN;
    this.full = buildModel(data);
    layout(this.full);
    root.addEventListener('keydown', (e) => this.key(e));
    if (ctx.signal) ctx.signal.addEventListener('abort', () => this.destroy());
    this.top = h('div', { class: 'bgplay-top' });
    this.stage = h('div', { class: 'bgplay-stage' });
    root.append(this.top, this.stage);
    this.buildTop();
    this.setup(null, Number.isFinite(inst) ? inst : null);
  }

  // buildTop writes the summary line and the view options.
  buildTop() {
    const m = this.full; const d = this.data;
    const peers = m.peers.length; const ases = m.nodes.length - peers;
    const same = m.events.filter((e) => e.kind === 'same').length;
    const asText = (r) => (/^\d+$/.test(String(r)) ? `AS${r}` : String(r));
    const res = this.ctx.params.resource ? String(this.ctx.params.resource) : [].concat(d.resource ?? []).map(asText).join(', ');
    const summary = h('span', { class: 'summary' }, h('b', null, res), ` · ${fmtTime(new Date(m.start * 1000), { seconds: false, zone: false })} → ${fmtTime(new Date(m.end * 1000), { seconds: false })}`,
      ` · ${plural(peers, 'peer')} · ${plural(ases, 'AS')} · ${plural(m.events.length, 'event')}`, same ? ` (${plural(same, 're-announcement')})` : '');
    const opts = [];
    if (m.targets.length > 1) {
      const sel = h('select', { 'aria-label': 'Prefix' }, h('option', { value: '' }, `All prefixes (${m.targets.length})`), m.targets.map((t) => h('option', { value: t }, t)));
      sel.addEventListener('change', () => this.setup(sel.value || null, this.t));
      opts.push(h('label', null, 'Prefix', sel));
    }
    const cb = h('input', { type: 'checkbox', checked: this.ignore });
    cb.addEventListener('change', () => { this.ignore = cb.checked; this.computeSteps(); this.list.setIgnore(this.ignore); this.refreshPos(); });
    opts.push(h('label', { title: 'Re-announcements of the same path are listed but not stepped through' }, cb, 'Skip re-announcements'));
    this.top.append(summary, ...opts);
  }

  /** setup (re)builds the view for one prefix (null: all) and puts the cursor at unix time t. */
  setup(prefix, t) {
    this.pause();
    for (const o of this.observers) o.disconnect();
    this.observers = [];
    let m = this.full;
    if (prefix) {
      m = buildModel(this.data, { prefixes: new Set([prefix]) });
      const pos = new Map(this.full.nodes.map((n) => [n.key, n]));
      for (const n of m.nodes) { const f = pos.get(n.key); n.x = f.bx; n.y = f.by; n.bx = f.bx; n.by = f.by; n.r = f.r; }
    }
    this.m = m;
    this.shown = undefined;
    this.state = new State(m);
    this.computeSteps();
    const link = (r) => this.ctx.resourceLink(r);
    this.graph = new Graph(m, this.state);
    this.legend = new Legend(m, { onFocus: (o) => this.graph.setFocusOrigin(o) });
    this.detail = new Detail(m, { resourceLink: link });
    this.list = new EventList(m, { onPick: (n) => { this.pause(); this.goTo(n); } });
    this.list.setIgnore(this.ignore);
    this.timeline = new Timeline(m, { onSeek: (tt, final) => this.seek(tt, final) });
    this.graph.svg.addEventListener('pointerdown', () => this.root.focus({ preventScroll: true }));

    const btn = (action, title) => {
      const b = h('button', { type: 'button', 'data-action': action, title, 'aria-label': title }, icon(action));
      b.addEventListener('click', () => this.action(b.getAttribute('data-action')));
      return b;
    };
    this.playBtn = btn('play', 'Play (Space)');
    this.btns = {
      first: btn('first', 'Initial state (Home)'), back: btn('step-back', 'Previous event (←)'),
      fwd: btn('step-forward', 'Next event (→)'), last: btn('last', 'Last event (End)'),
    };
    const speed = h('select', { 'aria-label': 'Speed' }, speeds.map((s) => h('option', { value: s, selected: s === this.speed }, `${s} step${s === 1 ? '' : 's'}/s`)));
    speed.addEventListener('change', () => { this.speed = Number(speed.value); this.root.style.setProperty('--dur', `${this.dur()}ms`); });
    this.timeEl = h('span', { class: 'bgplay-time', 'aria-live': 'off' });
    this.posEl = h('span', { class: 'bgplay-pos' });
    const controls = h('div', { class: 'bgplay-controls', role: 'toolbar', 'aria-label': 'Playback' },
      h('span', { class: 'btns' }, this.btns.first, this.btns.back, this.playBtn, this.btns.fwd, this.btns.last),
      h('label', null, 'Speed', speed), this.timeEl, this.posEl,
      h('span', { class: 'bgplay-keys' }, h('kbd', null, 'Space'), ' play/pause · ', h('kbd', null, '←'), ' ', h('kbd', null, '→'), ' step'));
    this.graph.el.append(this.legend.el);
    const side = h('div', { class: 'bgplay-side' }, this.detail.el, this.list.el);
    clear(this.stage).append(h('div', { class: 'bgplay-main' }, this.graph.el, side), controls, this.timeline.el);
    this.root.setAttribute('data-events', String(m.events.length));
    this.root.style.setProperty('--dur', `${this.dur()}ms`);

    if (typeof ResizeObserver === 'function') {
      const ro = new ResizeObserver((entries) => {
        for (const e of entries) {
          const { width, height } = e.contentRect;
          if (e.target === this.graph.el) this.graph.resize(width, height, this.legend.el.offsetWidth + 8);
          else if (e.target === this.timeline.el) this.timeline.resize(width);
        }
      });
      ro.observe(this.graph.el); ro.observe(this.timeline.el);
      this.observers.push(ro);
    }
    const n = t === null || t === undefined ? -1 : indexAt(m.events, t);
    this.goTo(n, { t: t ?? undefined });
  }

  // computeSteps lists the events that count as steps.
  computeSteps() {
    this.steps = Int32Array.from(this.m.events.filter((e) => isStep(e, this.ignore)).map((e) => e.index));
  }

  // dur is the animation length for the current speed (ms).
  dur() { return Math.round(Math.max(90, Math.min(450, 700 / this.speed))); }

  // next/prev return the step after/before event index n (null/−1 if none).
  next(n) {
    const s = this.steps; let lo = 0; let hi = s.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (s[mid] <= n) lo = mid + 1; else hi = mid; }
    return lo < s.length ? s[lo] : null;
  }

  prev(n) {
    const s = this.steps; let lo = 0; let hi = s.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (s[mid] < n) lo = mid + 1; else hi = mid; }
    return lo > 0 ? s[lo - 1] : -1;
  }

  /**
   * goTo moves to event index n (−1: the initial state): applies the
   * diffs, redraws what changed. opts.t: the cursor time (default: the
   * event's), opts.animate: highlight the change.
   */
  goTo(n, opts = {}) {
    const m = this.m;
    n = this.state.moveTo(n);
    this.graph.dur = this.dur();
    this.graph.sync(this.state.takeDirty());
    const ev = n >= 0 ? m.events[n] : null;
    this.graph.highlight(ev, !!opts.animate);
    this.legend.update(this.state);
    if (n !== this.shown) { this.detail.show(n, this.state); this.list.setCurrent(n); this.shown = n; }
    this.t = opts.t !== undefined ? Math.max(m.start, Math.min(m.end, opts.t)) : ev ? ev.t : m.start;
    this.timeline.setCursor(this.t, n);
    this.timeEl.textContent = fmtTime(new Date(this.t * 1000));
    this.root.setAttribute('data-current', String(n));
    this.refreshPos();
  }

  // refreshPos updates the position text and the buttons' states.
  refreshPos() {
    const n = this.state.current; const m = this.m;
    const stepNo = this.stepIndex(n) + 1;
    this.posEl.textContent = n < 0 ? `initial state · ${plural(this.steps.length, 'step')}` : `step ${stepNo} of ${this.steps.length} · event ${n + 1} of ${m.events.length}`;
    const atEnd = this.next(n) === null;
    // a button about to be disabled hands the focus to the widget (keys keep working)
    const focused = this.root.getRootNode().activeElement;
    const set = (b, off) => { if (off && focused === b) this.root.focus({ preventScroll: true }); b.disabled = off; };
    set(this.btns.first, n < 0); set(this.btns.back, n < 0);
    set(this.btns.fwd, atEnd); set(this.btns.last, atEnd);
    set(this.playBtn, !this.steps.length);
  }

  // stepIndex is the number of steps at or before event n, minus one.
  stepIndex(n) {
    const s = this.steps; let lo = 0; let hi = s.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (s[mid] <= n) lo = mid + 1; else hi = mid; }
    return lo - 1;
  }

  /** action runs a control: play, pause, step-back, step-forward, first, last. */
  action(a) {
    const n = this.state.current;
    switch (a) {
      case 'play': this.play(); break;
      case 'pause': this.pause(); break;
      case 'step-forward': { this.pause(); const k = this.next(n); if (k !== null) this.goTo(k, { animate: true }); break; }
      case 'step-back': this.pause(); this.goTo(this.prev(n), { animate: true }); break;
      case 'first': this.pause(); this.goTo(-1); break;
      case 'last': this.pause(); this.goTo(this.steps.length ? this.steps[this.steps.length - 1] : this.m.events.length - 1); break;
      default:
    }
  }

  // seek follows the timeline cursor; drags are coalesced per frame.
  seek(t, final) {
    this.pause();
    this.pendingT = t;
    if (final) { cancelAnimationFrame(this.raf); this.raf = 0; this.goTo(indexAt(this.m.events, t), { t }); return; }
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.goTo(indexAt(this.m.events, this.pendingT), { t: this.pendingT });
    });
  }

  play() {
    if (this.playing || !this.steps.length) return;
    if (this.next(this.state.current) === null) this.goTo(-1);
    this.playing = true;
    this.setPlaying(true);
    const tick = () => {
      if (!this.playing) return;
      if (!this.root.isConnected && this.wasConnected) { this.pause(); return; }
      this.wasConnected = this.root.isConnected;
      const k = this.next(this.state.current);
      if (k === null) { this.pause(); return; }
      this.goTo(k, { animate: true });
      if (this.next(k) === null) { this.pause(); return; }
      this.timer = setTimeout(tick, 1000 / this.speed);
    };
    this.timer = setTimeout(tick, Math.min(400, 1000 / this.speed));
  }

  pause() {
    clearTimeout(this.timer);
    if (!this.playing) return;
    this.playing = false;
    this.setPlaying(false);
  }

  setPlaying(on) {
    this.root.setAttribute('data-playing', on ? 'true' : 'false');
    this.playBtn.setAttribute('data-action', on ? 'pause' : 'play');
    this.playBtn.replaceChildren(icon(on ? 'pause' : 'play'));
    this.playBtn.setAttribute('aria-label', on ? 'Pause (Space)' : 'Play (Space)');
    this.playBtn.title = on ? 'Pause (Space)' : 'Play (Space)';
  }

  // key handles Space (play/pause), ←/→ (step), Home/End.
  key(e) {
    const tag = e.target && e.target.tagName;
    if (/^(INPUT|SELECT|TEXTAREA)$/.test(tag) || e.altKey || e.ctrlKey || e.metaKey) return;
    const map = { ArrowLeft: 'step-back', ArrowRight: 'step-forward', Home: 'first', End: 'last' };
    if (e.key === ' ' || e.key === 'Spacebar') {
      if (tag === 'BUTTON') return; // the button's own click
      e.preventDefault();
      this.action(this.playing ? 'pause' : 'play');
    } else if (map[e.key]) {
      e.preventDefault();
      this.action(map[e.key]);
    }
  }

  /** destroy stops playing and observing (the widget was reloaded or removed). */
  destroy() {
    this.pause();
    cancelAnimationFrame(this.raf);
    for (const o of this.observers) o.disconnect();
    this.observers = [];
  }
}

// overloaded tells whether the server left the lists out (data_overload_limit).
const overloaded = (d) => (d.nr_routes || 0) + (d.nr_events || 0) > 0 && !(d.initial_state || []).length && !(d.events || []).length;

/** render draws BGPlay for ctx.params into el and returns the data. */
async function render(el, ctx) {
  const dp = dataParams(ctx.params);
  const data = await ctx.data('bgplay', dp);
  const root = h('div', { class: 'bgplay w-bgplay', tabindex: 0, 'data-events': 0, 'data-current': -1, 'data-playing': 'false', 'aria-label': 'BGPlay' });
  el.append(root);
  const start = (d) => { clear(root); root.player = new Player(root, d, ctx); return d; };
  if (overloaded(data)) {
    const total = (data.nr_routes || 0) + (data.nr_events || 0);
    const btn = h('button', { type: 'button' }, 'Load anyway');
    const box = h('div', { class: 'bgplay-empty', role: 'status' },
      h('p', null, `This query is large: ${plural(data.nr_routes || 0, 'route')} and ${plural(data.nr_events || 0, 'event')} (${total.toLocaleString('en-US')} items; the browser limit is 20,000).`),
      h('p', null, 'Narrow the time window or the resource, or load everything (may be slow).'), btn);
    btn.addEventListener('click', async () => {
      btn.disabled = true; btn.textContent = 'Loading…';
      try {
        start(await ctx.data('bgplay', { ...dp, data_overload_limit: 'ignore' }));
      } catch (err) {
        if (err.name !== 'AbortError') box.append(h('p', { class: 'error' }, err.message || String(err)));
      }
    });
    root.append(box);
    return data;
  }
  if (!(data.initial_state || []).length && !(data.events || []).length) {
    const s = unix(data.query_starttime); const e = unix(data.query_endtime);
    root.append(h('div', { class: 'bgplay-empty', role: 'status' },
      h('p', null, `No routes for ${ctx.params.resource || 'this resource'} in this window`,
        Number.isFinite(s) && Number.isFinite(e) ? ` (${fmtTime(new Date(s * 1000), { seconds: false, zone: false })} → ${fmtTime(new Date(e * 1000), { seconds: false })})` : '', '.'),
      h('p', { class: 'muted' }, 'Try a longer time window, or check that the resource is announced.')));
    return data;
  }
  start(data);
  return data;
}

/** The bgplay widget definition (registered by ../all.js). */
export default {
  name: 'bgplay',
  title: 'BGPlay',
  calls: ['bgplay'],
  kinds: ['asn', 'prefix', 'ip'],
  params: ['resource', 'starttime', 'endtime', 'rrcs', 'ignoreReannouncements', 'instant'],
  source: 'routestat route collectors and the MRT archives (RIS, RouteViews) indexed by this server: the routes at the start of the window and every BGP update, RIB change and session loss after it.',
  info: 'BGPlay animates how the collector peers reach the origin of a prefix over a time window. '
    + 'Nodes are ASes (origins large and coloured, one colour per origin AS) and the collector peers (small squares, coloured by the origin they route to); '
    + 'lines are the AS paths in use at the cursor time, thicker when more routes share them. '
    + 'A second origin for the same prefix (a possible hijack) gets its own colour, the legend counts the peers routing to each origin, '
    + 'and the timeline shades the periods with more than one origin. '
    + 'The timeline shows the density of events (blue announcements, red withdrawals, grey re-announcements); drag its cursor, '
    + 'click an event in the list, or use the buttons (Space plays and pauses, ← and → step). '
    + 'At each step the new path is drawn thick and the previous one dashed; the panel lists the peer, prefix, both paths and the communities. '
    + 'Re-announcements of the same path are listed but skipped unless "Skip re-announcements" is off. '
    + 'Hover a node for its name, hover an origin in the legend to see only its paths, drag nodes to rearrange, Ctrl+scroll or the buttons to zoom.',
  css,
  dataParams,
  render,
};
