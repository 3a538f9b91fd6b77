// BGPlay's timeline: svg.bgplay-timeline under the graph — event density
// over the window (announcements, withdrawals, re-announcements stacked),
// one tick per event when there are few, the periods in which a prefix
// had more than one origin shaded, a UTC axis and the draggable cursor
// (.bgplay-cursor). Dragging or clicking anywhere seeks.
import { select, scaleUtc, scaleSqrt, axisBottom, drag as d3drag, utcFormat } from '../core/d3.js';
import { h } from '../core/dom.js';
import { fmtTime } from '../core/time.js';

const PAD = 26; const H = 78; const TOP = 14; const HIST = 34; const RUG = 8;

/**
 * Timeline draws model's events; opts.onSeek(unixTime, final) is called
 * while the cursor is dragged (final on release), opts.isStep(ev) tells
 * which events count.
 */
export class Timeline {
  constructor(model, opts) {
    this.m = model; this.opts = opts;
    this.w = 900; this.t = model.start;
    this.svg = h('svg:svg', { class: 'bgplay-timeline', height: H, viewBox: `0 0 ${this.w} ${H}`, 'aria-label': 'Timeline of events' });
    this.el = h('div', { class: 'bgplay-tl-wrap' }, this.svg);
    const svg = select(this.svg);
    this.gBands = svg.append('g').attr('class', 'moas');
    this.gHist = svg.append('g').attr('class', 'hist');
    this.gRug = svg.append('g').attr('class', 'rug');
    this.played = svg.append('rect').attr('class', 'played').attr('y', TOP - 4).attr('height', HIST + RUG + 8);
    this.gAxis = svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${TOP + HIST + RUG + 4})`);
    this.cursor = svg.append('g').attr('class', 'bgplay-cursor').attr('tabindex', 0).attr('role', 'slider')
      .attr('aria-label', 'Current time');
    this.cursor.append('line').attr('y1', TOP - 6).attr('y2', TOP + HIST + RUG + 4);
    this.cursor.append('path').attr('class', 'handle').attr('d', 'M-6,0h12v7l-6,6l-6,-6z');
    this.cursor.append('rect').attr('class', 'grab').attr('x', -9).attr('y', 0).attr('width', 18).attr('height', TOP + HIST + RUG + 4);
    const seek = (event, final) => {
      const t = this.x.invert(Math.max(this.x.range()[0], Math.min(this.x.range()[1], event.x))).getTime() / 1000;
      this.opts.onSeek(t, final);
    };
    svg.call(d3drag().container(this.svg)
      .on('start', (event) => { this.svg.classList.add('seeking'); seek(event, false); })
      .on('drag', (event) => seek(event, false))
      .on('end', (event) => { this.svg.classList.remove('seeking'); seek(event, true); }));
    this.draw();
  }

  /** resize redraws for a new width (px). */
  resize(w) {
    if (!w || Math.abs(w - this.w) < 1) return;
    this.w = w;
    this.svg.setAttribute('viewBox', `0 0 ${w} ${H}`);
    this.draw();
  }

  /** draw redraws everything but the cursor position's dependants. */
  draw() {
    const m = this.m; const w = this.w;
    const x = scaleUtc().domain([new Date(m.start * 1000), new Date(Math.max(m.end, m.start + 1) * 1000)]).range([PAD, w - PAD]);
    this.x = x;
    const span = m.end - m.start;
    const fmt = span > 2 * 86400 ? utcFormat('%b %d') : span > 86400 ? utcFormat('%b %d %H:%M') : span > 600 ? utcFormat('%H:%M') : utcFormat('%H:%M:%S');
    this.gAxis.call(axisBottom(x).ticks(Math.max(2, Math.floor(w / 110))).tickFormat(fmt).tickSizeOuter(0));

    // density: stacked counts per bin
    const nb = Math.max(10, Math.floor((w - 2 * PAD) / 4));
    const bw = (w - 2 * PAD) / nb;
    const counts = [new Int32Array(nb), new Int32Array(nb), new Int32Array(nb)]; // change, withdraw, other
    for (const ev of m.events) {
      const b = Math.min(nb - 1, Math.max(0, Math.floor(((ev.t - m.start) / Math.max(1, span)) * nb)));
      const c = ev.kind === 'withdraw' ? 1 : ev.kind === 'same' || ev.kind === 'noop' ? 2 : 0;
      counts[c][b]++;
    }
    let max = 1;
    for (let b = 0; b < nb; b++) max = Math.max(max, counts[0][b] + counts[1][b] + counts[2][b]);
    const y = scaleSqrt().domain([0, max]).range([0, HIST]);
    const rects = [];
    for (let b = 0; b < nb; b++) {
      let base = 0;
      for (let c = 0; c < 3; c++) {
        const n = counts[c][b];
        if (!n) continue;
        const top = y(base + n); const bot = y(base);
        rects.push({ x: PAD + b * bw, y: TOP + HIST - top, h: Math.max(1, top - bot), c, n, b });
        base += n;
      }
    }
    this.gHist.selectAll('rect').data(rects).join('rect')
      .attr('class', (r) => ['ann', 'wd', 'same'][r.c])
      .attr('x', (r) => r.x + 0.5).attr('width', Math.max(1, bw - 1)).attr('y', (r) => r.y).attr('height', (r) => r.h);
    this.gHist.selectAll('rect').selectAll('title').data((r) => [r]).join('title')
      .text((r) => `${r.n} ${['announcement', 'withdrawal', 're-announcement'][r.c]}${r.n > 1 ? 's' : ''} · ${fmtTime(new Date((m.start + (r.b / nb) * span) * 1000), { zone: false })}`);

    // one tick per event when they fit
    const rug = m.events.length <= 1500 ? m.events : [];
    this.rugSel = this.gRug.selectAll('line').data(rug).join('line')
      .attr('class', (ev) => (ev.kind === 'withdraw' ? 'wd' : ev.kind === 'same' || ev.kind === 'noop' ? 'same' : 'ann'))
      .attr('x1', (ev) => x(ev.t * 1000)).attr('x2', (ev) => x(ev.t * 1000))
      .attr('y1', TOP + HIST + 2).attr('y2', TOP + HIST + RUG);

    // shaded: more than one origin for a prefix
    const bands = [];
    const mo = m.moas;
    let from = mo[0] ? m.start : null;
    for (let k = 1; k < mo.length; k++) {
      const t = m.events[k - 1].t;
      if (mo[k] && from === null) from = t;
      if (!mo[k] && from !== null) { bands.push([from, t]); from = null; }
    }
    if (from !== null) bands.push([from, m.end]);
    this.gBands.selectAll('rect').data(bands).join('rect')
      .attr('x', (b) => x(b[0] * 1000)).attr('width', (b) => Math.max(2, x(b[1] * 1000) - x(b[0] * 1000)))
      .attr('y', TOP - 6).attr('height', HIST + RUG + 8)
      .selectAll('title').data((b) => [b]).join('title')
      .text((b) => `More than one origin: ${fmtTime(new Date(b[0] * 1000))} – ${fmtTime(new Date(b[1] * 1000))}`);
    this.setCursor(this.t, this.current);
  }

  /** setCursor moves the cursor to unix time t; current is the current event's index. */
  setCursor(t, current = -1) {
    this.t = t; this.current = current;
    const px = this.x(t * 1000);
    this.cursor.attr('transform', `translate(${px.toFixed(1)},0)`)
      .attr('aria-valuemin', this.m.start).attr('aria-valuemax', this.m.end).attr('aria-valuenow', Math.round(t))
      .attr('aria-valuetext', fmtTime(new Date(t * 1000)));
    this.played.attr('x', PAD).attr('width', Math.max(0, px - PAD));
  }
}
