// The search box: an ARIA combobox completing AS numbers, AS names and
// prefixes through the searchcomplete data call (debounced), with ↑/↓,
// Enter and Escape. Enter opens the highlighted suggestion, else the typed
// resource, else the best suggestion (host names and AS names resolve so).
import { h, clear } from '../../widgets/src/core/dom.js';
import { searchComplete } from './api.js';
import { parseResource } from './resource.js';

const DEBOUNCE_MS = 150;
const RECENT_KEY = 'routestat.recent';

/** recent returns the resources opened lately, newest first. */
export function recent() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY) || '[]').filter((r) => typeof r === 'string').slice(0, 8); } catch { return []; }
}

/** remember records a resource as opened. */
export function remember(resource) {
  try { localStorage.setItem(RECENT_KEY, JSON.stringify([resource, ...recent().filter((r) => r !== resource)].slice(0, 8))); } catch { /* ignore */ }
}

/**
 * initSearch wires input#search and its listbox #search-list; go(resource)
 * opens a resource page.
 */
export function initSearch(input, list, go) {
  let options = [];        // [{value, label, description}]
  let active = -1;
  let timer = 0;
  let abort = null;
  let lastText = null;

  const setOpen = (open) => {
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    if (!open) { active = -1; input.removeAttribute('aria-activedescendant'); }
  };

  const highlight = (i) => {
    active = i;
    list.querySelectorAll('[role=option]').forEach((el, j) => el.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) {
      const el = document.getElementById(`search-opt-${i}`);
      input.setAttribute('aria-activedescendant', el.id);
      el.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };

  const message = (text) => {
    options = [];
    clear(list).append(h('div', { class: 'search-msg', role: 'presentation' }, text));
    setOpen(true);
  };

  const draw = (cats, text) => {
    // A redraw (a later completion) keeps the suggestion the user moved to.
    const kept = active >= 0 && options[active] ? options[active].value : null;
    options = [];
    clear(list);
    const typed = parseResource(text);
    if (typed && !cats.some((c) => c.suggestions.some((s) => s.value === typed.value))) {
      cats = [{ category: 'Go to', suggestions: [{ label: typed.value, value: typed.value, description: '' }] }, ...cats];
    }
    for (const cat of cats) {
      const group = h('div', { role: 'group', 'aria-label': cat.category, class: 'search-group' },
        h('div', { class: 'search-cat', role: 'presentation' }, cat.category));
      for (const s of cat.suggestions || []) {
        const i = options.length;
        options.push(s);
        group.append(h('div', {
          role: 'option', id: `search-opt-${i}`, class: 'search-opt', 'aria-selected': 'false', 'data-value': s.value,
          onmousedown: (e) => { e.preventDefault(); choose(s.value); },
          onmousemove: () => { if (active !== i) highlight(i); },
        }, h('span', { class: 'opt-label mono' }, s.label), s.description ? h('span', { class: 'opt-desc' }, s.description) : null));
      }
      list.append(group);
    }
    if (!options.length) { message(`No AS, prefix or address matches “${text}”.`); return; }
    setOpen(true);
    highlight(kept === null ? -1 : options.findIndex((o) => o.value === kept));
  };

  const complete = (text) => {
    if (abort) abort.abort();
    if (!text.trim()) { clear(list); options = []; setOpen(false); return Promise.resolve([]); }
    abort = new AbortController();
    const signal = abort.signal;
    return searchComplete(text.trim(), { signal }).then((cats) => {
      if (signal.aborted) return options;
      lastText = text;
      draw(cats, text);
      return options;
    }).catch((err) => {
      if (err.name !== 'AbortError') message(err.message);
      return [];
    });
  };

  const choose = (value) => {
    setOpen(false);
    input.value = value;
    input.blur();
    go(value);
  };

  const submit = async () => {
    const text = input.value.trim();
    if (!text) return;
    if (active >= 0 && options[active]) { choose(options[active].value); return; }
    const r = parseResource(text);
    if (r) { choose(r.value); return; }
    clearTimeout(timer);
    const opts = lastText === input.value && options.length ? options : await complete(input.value);
    if (opts.length) choose(opts[0].value);
    else message(`No AS, prefix or address matches “${text}”.`);
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => complete(input.value), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (list.hidden && input.value.trim()) { complete(input.value); return; }
        if (options.length) highlight((active + 1) % options.length);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (options.length) highlight(active <= 0 ? options.length - 1 : active - 1);
        break;
      case 'Enter':
        e.preventDefault();
        submit();
        break;
      case 'Escape':
        if (!list.hidden) { e.preventDefault(); setOpen(false); } else if (input.value) { input.value = ''; } else input.blur();
        break;
      default:
    }
  });
  input.addEventListener('focus', () => { if (options.length && input.value.trim()) setOpen(true); });
  input.addEventListener('blur', () => setTimeout(() => setOpen(false), 120));
  input.form?.addEventListener('submit', (e) => { e.preventDefault(); submit(); });

  // "/" focuses the search from anywhere but a text field.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.composedPath()[0];
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    e.preventDefault();
    input.focus();
    input.select();
  });
  setOpen(false);
}
