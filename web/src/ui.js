// Small UI building blocks shared by the pages: page headers, the copy
// permalink button, pills, empty and error states, a sortable table whose
// rows can carry attributes (tr[data-incident-id]) and links.
import { h, clear } from '../../widgets/src/core/dom.js';
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
 * {sort: {key, desc}, rowAttrs(row) → attrs, onSort({key, desc}), empty}.
 * Headers sort on click, Enter or Space and carry th[data-sort] and aria-sort.
 */
export function sortTable(columns, rows, opts = {}) {
  let sortKey = opts.sort ? opts.sort.key : null;
  let desc = opts.sort ? !!opts.sort.desc : false;
  const tbody = h('tbody');
  const ths = columns.map((c) => {
    const act = () => {
      if (sortKey === c.key) desc = !desc; else { sortKey = c.key; desc = !!c.num || !!c.descFirst; }
      draw();
      if (opts.onSort) opts.onSort({ key: sortKey, desc });
    };
    return h('th', {
      scope: 'col', class: [c.num ? 'num' : '', c.class || ''].join(' ').trim() || null, 'data-sort': c.key, tabindex: 0,
      onclick: act, onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); act(); } },
    }, c.label);
  });
  const value = (c, r) => (c.sort ? c.sort(r) : r[c.key]);
  function draw() {
    const list = rows.slice();
    const col = columns.find((c) => c.key === sortKey);
    if (col) {
      list.sort((a, b) => {
        const x = value(col, a); const y = value(col, b);
        const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''), undefined, { numeric: true });
        return desc ? -r : r;
      });
    }
    ths.forEach((th, i) => th.setAttribute('aria-sort', columns[i].key === sortKey ? (desc ? 'descending' : 'ascending') : 'none'));
    clear(tbody);
    for (const r of list) {
      tbody.append(h('tr', opts.rowAttrs ? opts.rowAttrs(r) : null,
        columns.map((c) => h('td', { class: [c.num ? 'num' : '', c.class || ''].join(' ').trim() || null }, c.render ? c.render(r) : r[c.key]))));
    }
  }
  draw();
  const table = h('table', { class: `data-table ${opts.class || ''}` }, h('thead', null, h('tr', null, ths)), tbody);
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
