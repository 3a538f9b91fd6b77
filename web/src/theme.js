// Light/dark theme: html[data-theme], remembered in localStorage, the
// system preference (prefers-color-scheme) until the user picks one.
// Widgets follow through the inherited --rs-* custom properties and
// their host's data-theme.
import { clear } from '../../widgets/src/core/dom.js';
import { icon } from './icons.js';

const KEY = 'routestat.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

/** stored returns the user's choice ('light' | 'dark') or ''. */
function stored() {
  try { const v = localStorage.getItem(KEY); return v === 'light' || v === 'dark' ? v : ''; } catch { return ''; }
}

/** current returns the theme in effect. */
export function current() {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

/** apply sets the theme on <html> and on every widget host. */
function apply(theme) {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  for (const el of document.querySelectorAll('.widget[data-widget]')) el.setAttribute('data-theme', theme);
  document.dispatchEvent(new CustomEvent('rs-theme', { detail: theme }));
}

/** initTheme applies the stored or system theme and wires the toggle button. */
export function initTheme(button) {
  apply(stored() || (media.matches ? 'dark' : 'light'));
  media.addEventListener('change', (e) => { if (!stored()) apply(e.matches ? 'dark' : 'light'); });
  const draw = () => {
    const dark = current() === 'dark';
    clear(button).append(icon(dark ? 'sun' : 'moon'));
    button.setAttribute('aria-label', dark ? 'Switch to light theme' : 'Switch to dark theme');
    button.title = button.getAttribute('aria-label');
    button.setAttribute('aria-pressed', String(dark));
  };
  button.addEventListener('click', () => {
    const next = current() === 'dark' ? 'light' : 'dark';
    try { localStorage.setItem(KEY, next); } catch { /* not remembered */ }
    apply(next);
    draw();
  });
  draw();
}
