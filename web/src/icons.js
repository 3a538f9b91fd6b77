// Small inline SVG icons (stroke: currentColor), built with h(): no
// icon font, no external file.
import { h } from '../../widgets/src/core/dom.js';

const shapes = {
  sun: [['circle', { cx: 8, cy: 8, r: 3 }], ['path', { d: 'M8 1v1.5M8 13.5V15M1 8h1.5M13.5 8H15M3 3l1.1 1.1M11.9 11.9 13 13M3 13l1.1-1.1M11.9 4.1 13 3' }]],
  moon: [['path', { d: 'M13.5 9.6A5.8 5.8 0 0 1 6.4 2.5a5.8 5.8 0 1 0 7.1 7.1z' }]],
  search: [['circle', { cx: 7, cy: 7, r: 4.5 }], ['path', { d: 'm10.5 10.5 4 4' }]],
  link: [['path', { d: 'M6.5 9.5a3 3 0 0 0 4.2 0l2.6-2.6a3 3 0 0 0-4.2-4.2l-.9.9M9.5 6.5a3 3 0 0 0-4.2 0L2.7 9.1a3 3 0 0 0 4.2 4.2l.9-.9' }]],
  check: [['path', { d: 'm3 8.5 3 3 7-7' }]],
  alert: [['path', { d: 'M8 1.8 15 14H1z' }], ['path', { d: 'M8 6.2v3.6M8 11.6v.4' }]],
  play: [['path', { d: 'M4.5 2.8v10.4L13 8z' }]],
  shield: [['path', { d: 'M8 1.5 2.5 3.5v4c0 3.3 2.3 5.9 5.5 7 3.2-1.1 5.5-3.7 5.5-7v-4z' }]],
  list: [['path', { d: 'M5.5 4h8M5.5 8h8M5.5 12h8M2.5 4h.5M2.5 8h.5M2.5 12h.5' }]],
  file: [['path', { d: 'M4 1.5h5l3.5 3.5v9.5H4z' }], ['path', { d: 'M9 1.5V5h3.5' }]],
  close: [['path', { d: 'm4 4 8 8M12 4l-8 8' }]],
};

/** icon returns a 16×16 SVG icon (decorative: aria-hidden). */
export function icon(name, size = 16) {
  return h('svg:svg', { class: `icon icon-${name}`, viewBox: '0 0 16 16', width: size, height: size, 'aria-hidden': 'true', focusable: 'false' },
    (shapes[name] || []).map(([tag, attrs]) => h(`svg:${tag}`, attrs)));
}

/** logo is the product mark: three routers and the routes between them. */
export function logo() {
  return h('svg:svg', { class: 'logo', viewBox: '0 0 24 24', width: 22, height: 22, 'aria-hidden': 'true', focusable: 'false' },
    h('svg:path', { d: 'M5 18 12 6l7 12z', class: 'logo-edges' }),
    h('svg:circle', { cx: 12, cy: 6, r: 3, class: 'logo-node logo-origin' }),
    h('svg:circle', { cx: 5, cy: 18, r: 3, class: 'logo-node' }),
    h('svg:circle', { cx: 19, cy: 18, r: 3, class: 'logo-node' }));
}
