// Chart plumbing shared by the d3 widgets: responsive redraw, a tooltip,
// a UTC time axis, brush-to-zoom and the palette.
import { h, clear } from './dom.js';
import { select, brushX, axisBottom, utcFormat } from './d3.js';
import { apiTime, fmtTime } from './time.js';

/** colour returns the i-th palette colour (a CSS var usable in style.fill). */
export function colour(i) {
  return `var(--p${((i % 10) + 10) % 10})`;
}

/**
 * responsive calls draw(width) with el's width now (fallback) and again
 * whenever el's width changes; it stops when el leaves the document.
 */
export function responsive(el, fallback, draw) {
  let last = 0;
  const run = (w) => {
    w = Math.floor(w);
    if (w < 120 || Math.abs(w - last) < 4) return;
    last = w;
    draw(w);
  };
  run(fallback);
  if (typeof ResizeObserver === 'undefined') return;
  let timer = 0;
  let seen = false;
  const ro = new ResizeObserver((entries) => {
    if (!el.isConnected) { if (seen) ro.disconnect(); return; }
    seen = true;
    const w = entries[0].contentRect.width;
    clearTimeout(timer);
    timer = setTimeout(() => run(w), last ? 120 : 0);
  });
  ro.observe(el);
}

/**
 * tooltip adds a tooltip box to container (position: relative) and returns
 * {show(event, ...children), hide()}; the children are DOM nodes or text.
 */
export function tooltip(container) {
  const tip = h('div', { class: 'tip', role: 'tooltip', hidden: true });
  container.append(tip);
  return {
    el: tip,
    show(event, ...children) {
      clear(tip).append(...children.flat().filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
      tip.hidden = false;
      const box = container.getBoundingClientRect();
      let x = event.clientX - box.left + 14;
      let y = event.clientY - box.top + 14;
      const tw = tip.offsetWidth; const th = tip.offsetHeight;
      if (x + tw > box.width) x = Math.max(0, event.clientX - box.left - tw - 10);
      if (y + th > box.height + 40) y = Math.max(0, event.clientY - box.top - th - 10);
      tip.style.left = `${x}px`;
      tip.style.top = `${y}px`;
    },
    hide() { tip.hidden = true; },
  };
}

/** tipRow is one "label: value" line of a tooltip. */
export function tipRow(label, value) {
  return h('div', { class: 'row' }, h('span', { class: 'muted' }, label), h('span', null, value));
}

const fmtSec = utcFormat(':%S');
const fmtMin = utcFormat('%H:%M');
const fmtDay = utcFormat('%b %d');
const fmtMonth = utcFormat('%b %Y');
const fmtYear = utcFormat('%Y');

/** tickFormat labels UTC ticks the way an operator reads them. */
export function tickFormat(d) {
  if (d.getUTCSeconds()) return fmtSec(d);
  if (d.getUTCMinutes() || d.getUTCHours()) return fmtMin(d);
  if (d.getUTCDate() !== 1) return fmtDay(d);
  if (d.getUTCMonth()) return fmtMonth(d);
  return fmtYear(d);
}

/** timeAxis draws a bottom UTC axis for scale x into SVG group g. */
export function timeAxis(g, x, width) {
  select(g).attr('class', 'axis').call(axisBottom(x).ticks(Math.max(3, Math.floor(width / 85))).tickFormat(tickFormat).tickSizeOuter(0));
}

/**
 * timeBrush adds an x brush over [x0,x1]×[0,height] to SVG group g; when a
 * range is dragged, onSelect(startDate, endDate) is called and the
 * selection cleared. Ranges under 2 pixels are ignored (clicks).
 */
export function timeBrush(g, x, height, onSelect) {
  const [r0, r1] = x.range();
  const b = brushX().extent([[r0, 0], [r1, height]]).on('end', (ev) => {
    if (!ev.selection || !ev.sourceEvent) return;
    const [s0, s1] = ev.selection;
    select(g).call(b.move, null);
    if (s1 - s0 < 2) return;
    onSelect(x.invert(s0), x.invert(s1));
  });
  select(g).attr('class', 'brush').call(b);
  return b;
}

/**
 * zoomTo applies a dragged time window: the embedding page's
 * onTimeSelect when it has one, else the widget reloads for the window.
 */
export function zoomTo(ctx, start, end) {
  const s = new Date(Math.floor(start.getTime() / 1000) * 1000);
  const e = new Date(Math.max(Math.ceil(end.getTime() / 1000) * 1000, s.getTime() + 1000));
  if (ctx.onTimeSelect) ctx.onTimeSelect(s, e);
  else ctx.update({ starttime: apiTime(s), endtime: apiTime(e) });
}

/** zoomControls is the "drag to zoom" hint, plus "reset" when the window was changed here. */
export function zoomControls(ctx) {
  const zoomed = !ctx.onTimeSelect && (ctx.params.starttime !== ctx.initial.starttime || ctx.params.endtime !== ctx.initial.endtime);
  return h('span', { class: 'small muted' }, 'Drag across the chart to zoom',
    zoomed ? [' · ', h('button', { type: 'button', class: 'btn', onclick: () => ctx.update({ starttime: ctx.initial.starttime, endtime: ctx.initial.endtime }) }, 'Reset zoom')] : null);
}

/** windowCaption is "2008-02-24 18:00 – 22:00 UTC" for a query window. */
export function windowCaption(start, end) {
  if (!start || !end) return '';
  const a = fmtTime(start, { zone: false });
  const b = fmtTime(end, { zone: false });
  const sameDay = a.slice(0, 10) === b.slice(0, 10);
  return `${a} – ${sameDay ? b.slice(11) : b} UTC`;
}
