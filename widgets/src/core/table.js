// Sortable, keyboard-friendly tables built from data (text nodes only).
import { h } from './dom.js';

/**
 * table builds a table: columns [{key, label, num?, class?, descFirst?,
 * render?(row)->Node|string, sort?(row)->value}], rows (objects). Headers
 * sort on click, Enter or Space (numbers and descFirst columns descending
 * first); initial sort by opts.sort = {key, desc}; opts.limit caps the rows
 * drawn, opts.rowAttrs(row) gives each row's attributes, opts.onSort({key,
 * desc}) hears the user sort. The element's update(rows) redraws it with
 * other rows (e.g. filtered), keeping the sort.
 */
export function table(columns, rows, opts = {}) {
  let sortKey = opts.sort ? opts.sort.key : null;
  let desc = opts.sort ? !!opts.sort.desc : false;
  const tbody = h('tbody');
  const ths = columns.map((c) => {
    const th = h('th', { class: cellClass(c), 'data-sort': c.key, tabindex: 0, scope: 'col' }, c.label);
    const act = () => {
      if (sortKey === c.key) desc = !desc; else { sortKey = c.key; desc = !!c.num || !!c.descFirst; }
      draw();
      if (opts.onSort) opts.onSort({ key: sortKey, desc });
    };
    th.addEventListener('click', act);
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); act(); } });
    return th;
  });
  const value = (c, r) => (c.sort ? c.sort(r) : r[c.key]);
  function draw() {
    let list = rows.slice();
    const col = columns.find((c) => c.key === sortKey);
    if (col) {
      list.sort((a, b) => {
        const x = value(col, a); const y = value(col, b);
        const r = typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''), undefined, { numeric: true });
        return desc ? -r : r;
      });
    }
    ths.forEach((th, i) => th.setAttribute('aria-sort', columns[i].key === sortKey ? (desc ? 'descending' : 'ascending') : 'none'));
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    const limit = opts.limit || list.length;
    for (const r of list.slice(0, limit)) {
      tbody.appendChild(h('tr', opts.rowAttrs ? opts.rowAttrs(r) : null, columns.map((c) => h('td', { class: cellClass(c) }, c.render ? c.render(r) : r[c.key]))));
    }
    if (list.length > limit) tbody.appendChild(h('tr', null, h('td', { colspan: columns.length, class: 'muted' }, `… and ${list.length - limit} more (see the data link)`)));
  }
  draw();
  const el = h('table', { class: opts.class }, h('thead', null, h('tr', null, ths)), tbody);
  el.update = (next) => { rows = next; draw(); };
  return el;
}

// cellClass is a column's cell class: num for numbers, and its own.
function cellClass(c) {
  return [c.num ? 'num' : '', c.class || ''].join(' ').trim() || null;
}
