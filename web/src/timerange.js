// The global time range: a preset counted back from the server's latest
// data (not the browser's clock: the data may be from 2008) or a custom
// UTC window. It lives in the URL (preset=8h, or starttime/endtime) and in
// the #range control of the header.
import { h, clear } from '../../widgets/src/core/dom.js';
import { parseTime, fmtTime, apiTime, fmtDuration } from '../../widgets/src/core/time.js';

/** PRESETS maps a preset to its length in seconds. */
export const PRESETS = { '1h': 3600, '8h': 8 * 3600, '1d': 86400, '1w': 7 * 86400, '1m': 30 * 86400 };
export const DEFAULT_PRESET = '8h';

/** parseInput reads a time typed by a person (UTC): "2008-02-24 18:00", ISO, unix seconds. */
export function parseInput(text) {
  let s = String(text ?? '').trim().replace(/\s*UTC$/i, '');
  if (!s) return null;
  if (/^\d{4}-\d\d-\d\d$/.test(s)) s += 'T00:00:00';
  s = s.replace(/^(\d{4}-\d\d-\d\d)[ _]+/, '$1T');
  if (/T\d\d:\d\d$/.test(s)) s += ':00';
  return parseTime(s);
}

/**
 * rangeFromQuery reads the URL's range: {preset} or {start, end} (a
 * custom window; one bound may be null: the other end of the preset).
 */
export function rangeFromQuery(q) {
  const start = parseInput(q.get('starttime'));
  const end = parseInput(q.get('endtime'));
  if (start || end) return { preset: null, start, end };
  const p = q.get('preset');
  return { preset: PRESETS[p] ? p : DEFAULT_PRESET, start: null, end: null };
}

/** resolveWindow turns a range into concrete {start, end, preset} Dates given the latest data time. */
export function resolveWindow(range, latest) {
  if (range.preset) {
    const end = new Date(latest.getTime());
    return { start: new Date(end.getTime() - PRESETS[range.preset] * 1000), end, preset: range.preset };
  }
  let end = range.end || new Date(latest.getTime());
  let start = range.start || new Date(end.getTime() - PRESETS[DEFAULT_PRESET] * 1000);
  if (start > end) [start, end] = [end, start];
  return { start, end, preset: null };
}

/** rangeQuery is the query parameters of a range (null deletes a parameter). */
export function rangeQuery(range) {
  if (range.preset) return { preset: range.preset === DEFAULT_PRESET ? null : range.preset, starttime: null, endtime: null };
  return { preset: null, starttime: range.start ? apiTime(range.start) : null, endtime: range.end ? apiTime(range.end) : null };
}

/**
 * RangeControl draws the #range control into container and calls
 * onChange(range) when the user picks a preset or applies a window.
 */
export class RangeControl {
  constructor(container, summary, onChange) {
    this.onChange = onChange;
    this.summary = summary;
    this.buttons = Object.keys(PRESETS).map((p) => h('button', {
      type: 'button', class: 'seg-btn', 'data-preset': p, 'aria-pressed': 'false',
      title: `The last ${{ '1h': 'hour', '8h': '8 hours', '1d': 'day', '1w': 'week', '1m': '30 days' }[p]} of data`,
      onclick: () => this.onChange({ preset: p, start: null, end: null }),
    }, p));
    const input = (id, label) => h('input', {
      id, type: 'text', class: 'time-input mono', inputmode: 'numeric', spellcheck: 'false', autocomplete: 'off',
      placeholder: 'YYYY-MM-DD HH:MM:SS', 'aria-label': label,
      onkeydown: (e) => { if (e.key === 'Enter') { e.preventDefault(); this.apply(); } },
      oninput: (e) => e.target.removeAttribute('aria-invalid'),
    });
    this.start = input('range-start', 'Start of the window (UTC)');
    this.end = input('range-end', 'End of the window (UTC)');
    this.error = h('span', { class: 'range-error', role: 'alert' });
    clear(container).append(
      h('div', { class: 'seg', role: 'group', 'aria-label': 'Window presets, relative to the latest data' }, this.buttons),
      h('div', { class: 'range-custom' }, this.start, h('span', { class: 'range-sep', 'aria-hidden': 'true' }, '→'), this.end,
        h('span', { class: 'range-utc' }, 'UTC'),
        h('button', { type: 'button', id: 'range-apply', class: 'btn', onclick: () => this.apply() }, 'Apply')),
      this.error);
  }

  /** apply validates the custom inputs and reports the window. */
  apply() {
    const s = parseInput(this.start.value);
    const e = parseInput(this.end.value);
    this.error.textContent = '';
    if (!s) this.start.setAttribute('aria-invalid', 'true');
    if (!e) this.end.setAttribute('aria-invalid', 'true');
    if (!s || !e) { this.error.textContent = 'Times are UTC: 2008-02-24 18:00:00, or unix seconds.'; return; }
    if (s >= e) { this.start.setAttribute('aria-invalid', 'true'); this.error.textContent = 'The start must be before the end.'; return; }
    this.onChange({ preset: null, start: s, end: e });
  }

  /** sync shows the range in effect: the pressed preset, the window's bounds and the summary line. */
  sync(range, win, latest) {
    for (const b of this.buttons) b.setAttribute('aria-pressed', String(b.dataset.preset === range.preset));
    for (const [el, d] of [[this.start, win.start], [this.end, win.end]]) {
      if (document.activeElement !== el) { el.value = fmtTime(d, { zone: false }); el.removeAttribute('aria-invalid'); }
    }
    this.error.textContent = '';
    const dur = (win.end - win.start) / 1000;
    clear(this.summary).append(...[
      h('span', { class: 'sum-label' }, range.preset ? `Last ${range.preset}` : 'Custom window'),
      range.preset ? null : h('span', { class: 'sum-dur' }, fmtDuration(dur)),
      h('span', { class: 'sum-latest', title: 'Presets count back from the newest data this server has, not from the clock' },
        'data until ', h('time', { datetime: latest.toISOString() }, fmtTime(latest)))].filter(Boolean));
  }
}
