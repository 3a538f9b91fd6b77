// DOM building without innerHTML: every string from data becomes a text
// node or an attribute value, so nothing from the data API can execute.

/**
 * h builds an element: h('a', {href: u, class: 'x', onclick: f}, 'text', child, [more]).
 * Attributes starting with "on" must be functions (listeners); strings
 * are never parsed as markup. href/src values are checked by safeURL.
 */
export function h(tag, attrs, ...children) {
  const el = tag.includes(':') ? document.createElementNS('http://www.w3.org/2000/svg', tag.split(':')[1]) : document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) {
        if (typeof v !== 'function') throw new TypeError(`h: ${k} must be a function`);
        el.addEventListener(k.slice(2), v);
      } else if (k === 'style' && typeof v === 'object') {
        for (const [p, sv] of Object.entries(v)) el.style.setProperty(p, String(sv));
      } else if (k === 'href' || k === 'src') {
        el.setAttribute(k, safeURL(String(v)));
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** safeURL refuses javascript:, data: and other non-web schemes. */
export function safeURL(u) {
  const s = u.trim();
  if (/^(https?:|mailto:|\/|#|\?|\.)/i.test(s) || !/^[a-z][a-z0-9+.-]*:/i.test(s)) return s;
  return '#';
}

/** clear removes every child of el. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}
