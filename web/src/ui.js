// Small UI building blocks shared by the pages: page headers, the copy
// permalink button, pills, empty and error states, a sortable table whose
// rows can carry attributes (tr[data-incident-id]) and links.
import { h, clear } from '../../widgets/src/core/dom.js';
import { table as coreTable } from '../../widgets/src/core/table.js';
import { icon } from './icons.js';
import { withRange } from './router.js';

/** pageHead builds a page's title block: kicker (small line above), title, meta line, actions. */
export function pageHead({ kicker, title, titleClass, meta, actions = [] }) {
  return h('div', { class: 'page-head' },
    h('div', { class: 'page-head-text' },
      kicker ? h('div', { class: 'kicker' }, kicker) : null,
      h('h1', { class: `page-title ${titleClass || ''}` }, title),
      meta ? h('div', { class: 'page-meta' }, meta) : null),
    h('div', { class: 'page-actions' }, actions, permalinkButton()));
}

/** permalinkButton copies the current URL (the view's whole state) to the clipboard. */
export function permalinkButton() {
  const label = h('span', null, 'Copy permalink');
  const btn = h('button', { type: 'button', class: 'btn', 'data-action': 'permalink', title: 'Copy a link that reproduces this view' }, icon('link'), label);
  btn.addEventListener('click', async () => {
    const url = location.href;
    let ok = false;
    try { await navigator.clipboard.writeText(url); ok = true; } catch {
      const ta = h('textarea', { class: 'vh', readonly: true }, url);
      document.body.append(ta);
      ta.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
      ta.remove();
    }
    label.textContent = ok ? 'Copied' : 'Copy failed';
    clear(btn).append(icon(ok ? 'check' : 'alert'), label);
    setTimeout(() => { label.textContent = 'Copy permalink'; clear(btn).append(icon('link'), label); }, 1600);
  });
  return btn;
}

/** pill is a small rounded label; tone: bad|warn|ok|info|muted. */
export function pill(text, tone = 'muted', attrs = {}) {
  return h('span', { ...attrs, class: `pill pill-${tone} ${attrs.class || ''}` }, text);
}

/** emptyState is the friendly "nothing here" block. */
export function emptyState(title, text, ...more) {
  return h('div', { class: 'empty' }, h('div', { class: 'empty-title' }, title), text ? h('p', null, text) : null, ...more);
}

/** errorBox shows a server error with its own text and status. */
export function errorBox(err, what = 'The request failed') {
  const status = err && err.status ? ` (HTTP ${err.status})` : '';
  return h('div', { class: 'alert alert-bad', role: 'alert' }, icon('alert'),
    h('div', null, h('strong', null, `${what}${status}`), h('div', { class: 'alert-text' }, (err && err.message) || String(err))));
}

/**
 * sortTable builds a sortable table: columns [{key, label, num?,
 * render(row) → Node|string, sort(row) → value, class?}], rows; opts:
 * {sort: {key, desc}, rowAttrs(row) → attrs, onSort({key, desc})}: the
 * widgets' table (core/table.js) in the app's table style.
 */
export function sortTable(columns, rows, opts = {}) {
  const table = coreTable(columns, rows, { ...opts, class: `data-table ${opts.class || ''}`.trim() });
  return h('div', { class: 'table-wrap' }, table);
}

/** asLink links an AS number to its page. */
export function asLink(n) {
  if (n === undefined || n === null || n === '' || n === 0) return '—';
  return h('a', { href: withRange(`/AS${n}`), class: 'mono' }, `AS${n}`);
}

/** resLink links a prefix or address to its page. */
export function resLink(p) {
  if (!p) return '—';
  return h('a', { href: withRange(`/${encodeURI(p)}`), class: 'mono' }, p);
}
