package browsertest

// prelude defines rs, the helpers every page expression can use. They
// see through open shadow roots, where the widgets render.
const prelude = `const rs = {
  // all elements matching sel in root (default: the document) and in every
  // open shadow root below it, light DOM first.
  all(sel, root) {
    const out = [];
    const visit = (r) => {
      out.push(...r.querySelectorAll(sel));
      for (const el of r.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
    };
    visit(root || document);
    return out;
  },
  // the first element rs.all finds, or null.
  one(sel, root) { return rs.all(sel, root)[0] || null; },
  // the first element matching sel in the shadow root of host (an element
  // or a selector rs.one resolves), or null.
  within(host, sel) {
    if (typeof host === 'string') host = rs.one(host);
    return host && host.shadowRoot ? host.shadowRoot.querySelector(sel) : null;
  },
  // every element matching sel in the shadow root of host.
  withinAll(host, sel) {
    if (typeof host === 'string') host = rs.one(host);
    return host && host.shadowRoot ? [...host.shadowRoot.querySelectorAll(sel)] : [];
  },
  skip: /^(STYLE|SCRIPT|TEMPLATE|NOSCRIPT)$/i,
  // the text of node and of the shadow trees below it, without style and
  // script contents.
  text(node) {
    if (typeof node === 'string') node = rs.one(node);
    if (!node) return '';
    if (node.nodeType === 3) return node.data;
    if (node.nodeType === 1 && rs.skip.test(node.tagName)) return '';
    let s = '';
    if (node.shadowRoot) s += rs.text(node.shadowRoot);
    for (const c of node.childNodes) s += rs.text(c);
    return s;
  },
  // whether el is rendered (connected, laid out, not hidden by CSS).
  visible(el) {
    if (!el || !el.isConnected) return false;
    if (el.checkVisibility) return el.checkVisibility({visibilityProperty: true, opacityProperty: true});
    return el.getClientRects().length > 0;
  },
  // a readable path to el, with '>>' where it crosses into a shadow root.
  path(el) {
    const parts = [];
    while (el && el.nodeType === 1) {
      let p = el.tagName.toLowerCase();
      if (el.id) p += '#' + el.id;
      for (const c of el.classList) p += '.' + c;
      for (const a of ['data-widget', 'data-page', 'data-asn']) if (el.hasAttribute(a)) p += '[' + a + '=' + el.getAttribute(a) + ']';
      parts.unshift(p);
      if (el.parentElement) el = el.parentElement;
      else { const r = el.getRootNode(); el = r && r.host; if (el) parts.unshift('>>'); }
    }
    return parts.join(' ').replace(/ >> /g, ' >> ');
  },
  // where str is shown: the first rendered element whose own text contains
  // it, or an SVG <title> (a tooltip), or a title, aria-label, alt or
  // value attribute; null when it is nowhere.
  findText(str) {
    for (const el of rs.all('*')) {
      if (rs.skip.test(el.tagName)) continue;
      let own = '';
      for (const c of el.childNodes) if (c.nodeType === 3) own += c.data;
      if (own.includes(str)) {
        if (el.namespaceURI === 'http://www.w3.org/2000/svg' && el.tagName === 'title') return {how: 'svg title', path: rs.path(el)};
        if (rs.visible(el)) return {how: 'text', path: rs.path(el), text: own.trim().slice(0, 300)};
      }
      for (const a of ['title', 'aria-label', 'alt', 'value']) {
        const v = el.getAttribute(a);
        if (v && v.includes(str)) return {how: 'attribute ' + a, path: rs.path(el)};
      }
    }
    return null;
  },
  // the widget hosts of the page (elements with a shadow root and a
  // data-state) and what they show.
  widgets() {
    return rs.all('[data-state]').filter((h) => h.shadowRoot).map((h) => ({
      name: h.getAttribute('data-widget') || h.id || h.className,
      state: h.getAttribute('data-state'),
      text: rs.text(h).replace(/\s+/g, ' ').trim().slice(0, 400),
    }));
  },
  // the element at the point (x, y), looking into shadow roots.
  at(x, y) {
    let el = document.elementFromPoint(x, y);
    while (el && el.shadowRoot) {
      const inner = el.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === el) break;
      el = inner;
    }
    return el;
  },
  // whether a contains b, across shadow roots.
  contains(a, b) {
    for (; b; b = b.parentNode || (b.host !== undefined ? b.host : null)) if (b === a) return true;
    return false;
  },
};`

// clickTarget is a function body run with the element to click as el: it
// scrolls the element into view and returns where to click, or why it
// cannot be clicked yet.
const clickTarget = `
if (!el) return {err: 'no such element'};
if (!(el instanceof Element)) return {err: 'not an element: ' + String(el)};
if (!rs.visible(el)) return {err: 'not visible: ' + rs.path(el)};
el.scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});
const r = el.getBoundingClientRect();
if (r.width === 0 || r.height === 0) return {err: 'zero size: ' + rs.path(el)};
const x = r.left + r.width / 2, y = r.top + r.height / 2;
const hit = rs.at(x, y);
if (!rs.contains(el, hit)) return {err: rs.path(el) + ' is covered by ' + (hit ? rs.path(hit) : 'nothing')};
if (el.disabled) return {err: 'disabled: ' + rs.path(el)};
return {x, y};
`
