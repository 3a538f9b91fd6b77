// /monitored: the hijack detector's monitored-resources file (YAML) in an
// editor with line numbers; saving PUTs it with the API key, and the
// server's validation error is shown with its line marked.
import { h, clear } from '../../../widgets/src/core/dom.js';
import { request, apiKey, setAPIKey } from '../api.js';
import { pageHead, errorBox } from '../ui.js';
import { icon } from '../icons.js';

const URL_PATH = '/api/v1/hijack/monitored';

/** errorLine finds the YAML line an error message names ("line 12", "yaml: line 12:"). */
export function errorLine(err) {
  if (err && Number.isInteger(err.line)) return err.line;
  const m = /\bline (\d+)\b/i.exec((err && err.message) || '');
  return m ? Number(m[1]) : 0;
}

export default {
  usesRange: false,
  async render(main, ctx) {
    document.title = 'Monitored resources · routestat';
    const gutter = h('div', { class: 'gutter', 'aria-hidden': 'true' });
    const ta = h('textarea', {
      id: 'monitored-yaml', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', wrap: 'off',
      'aria-label': 'Monitored resources (YAML)', readonly: true,
    });
    const result = h('div', { id: 'monitored-result', 'aria-live': 'polite' });
    const dirty = h('span', { class: 'dirty', hidden: true }, '● Unsaved changes');
    const key = h('input', { id: 'api-key', class: 'input', type: 'password', autocomplete: 'off', spellcheck: 'false', value: apiKey(), placeholder: 'API key', 'aria-label': 'API key', style: { width: '200px', 'font-family': 'var(--rs-mono)' } });
    key.addEventListener('change', () => setAPIKey(key.value.trim()));
    const save = h('button', { type: 'button', id: 'monitored-save', class: 'btn btn-primary', disabled: true }, icon('check'), 'Save');
    const revert = h('button', { type: 'button', class: 'btn', disabled: true }, 'Revert');
    const status = h('span', { class: 'muted', style: { 'font-size': '12px' } });
    let saved = '';
    let errLine = 0;

    const lines = () => {
      const n = Math.max(1, ta.value.split('\n').length);
      if (gutter.childElementCount !== n || errLine) {
        clear(gutter);
        for (let i = 1; i <= n; i++) gutter.append(h('div', { class: i === errLine ? 'err' : null }, String(i)));
      }
      gutter.scrollTop = ta.scrollTop;
    };
    const markDirty = () => { const d = ta.value !== saved; dirty.hidden = !d; revert.disabled = !d || ta.readOnly; };
    ta.addEventListener('input', () => { lines(); markDirty(); });
    ta.addEventListener('scroll', () => { gutter.scrollTop = ta.scrollTop; });
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey && ta.value.length < 500_000 && !e.defaultPrevented && ta.dataset.tabs !== 'off') {
        // Two spaces, as YAML wants; Escape then Tab leaves the editor.
        e.preventDefault();
        const { selectionStart: s, selectionEnd: en } = ta;
        ta.setRangeText('  ', s, en, 'end');
        lines(); markDirty();
      } else if (e.key === 'Escape') ta.dataset.tabs = 'off';
      else if ((e.key === 's' || e.key === 'S') && (e.ctrlKey || e.metaKey)) { e.preventDefault(); if (!save.disabled) save.click(); }
    });
    ta.addEventListener('blur', () => { delete ta.dataset.tabs; });

    const goToLine = (n) => {
      const parts = ta.value.split('\n');
      const pos = parts.slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
      ta.focus();
      ta.setSelectionRange(pos, pos + (parts[n - 1] || '').length);
      ta.scrollTop = Math.max(0, (n - 4) * 20);
    };

    const load = async () => {
      clear(result);
      status.textContent = 'Loading…';
      try {
        const text = await request(URL_PATH, { accept: 'text', signal: ctx.signal });
        saved = text;
        ta.value = text;
        ta.readOnly = false;
        save.disabled = false;
        status.textContent = `${URL_PATH} · ${text.split('\n').length} lines`;
      } catch (err) {
        if (err.name === 'AbortError') return;
        ta.readOnly = true;
        save.disabled = true;
        status.textContent = '';
        result.append(errorBox(err, err.status === 404
          ? 'This server does not expose its monitored-resources file'
          : `Cannot load the monitored-resources file`));
      }
      errLine = 0;
      lines(); markDirty();
    };

    save.addEventListener('click', async () => {
      setAPIKey(key.value.trim());
      clear(result);
      save.disabled = true;
      status.textContent = 'Saving…';
      try {
        const answer = await request(URL_PATH, { method: 'PUT', text: ta.value, auth: true, accept: 'text' });
        errLine = 0;
        saved = ta.value;
        let summary = '';
        try { const j = JSON.parse(answer); if (j && typeof j === 'object' && !Array.isArray(j)) summary = j.message || j.status || ''; } catch {
          if (answer && answer.trim() && answer !== ta.value) { saved = answer; ta.value = answer; }
        }
        result.append(h('div', { class: 'alert alert-ok', role: 'status' }, icon('check'),
          h('div', null, h('strong', null, 'Saved.'), ` The detector now monitors what this file says.${summary ? ` ${summary}` : ''}`)));
        status.textContent = `${URL_PATH} · saved`;
      } catch (err) {
        errLine = errorLine(err);
        const what = err.status === 400 ? `The file is not valid${errLine ? ` (line ${errLine})` : ''}`
          : err.status === 401 ? 'The server refused the API key'
            : err.status === 403 ? 'Changing the monitored resources is not allowed' : 'Saving failed';
        const box = errorBox(err, what);
        if (errLine) box.querySelector('div').append(h('button', { type: 'button', class: 'btn', style: { 'margin-top': '6px' }, onclick: () => goToLine(errLine) }, `Go to line ${errLine}`));
        result.append(box);
        status.textContent = '';
      } finally {
        save.disabled = ta.readOnly;
        lines(); markDirty();
      }
    });
    revert.addEventListener('click', () => { ta.value = saved; errLine = 0; clear(result); lines(); markDirty(); });

    main.append(
      pageHead({ kicker: 'Hijack detection', title: 'Monitored resources', meta: h('span', null, 'The prefixes and ASes the detector watches: legitimate origins, upstreams, thresholds. Saving applies them at once (', h('a', { href: '/incidents' }, 'incidents'), ').') }),
      h('section', { class: 'card' },
        h('div', { class: 'editor-foot' },
          h('div', { class: 'left' }, h('h2', { class: 'editor-title mono' }, 'monitored.yaml'), dirty, status),
          h('div', { class: 'right' }, key, revert, save)),
        result,
        h('div', { class: 'editor' }, gutter, ta),
        h('div', { class: 'editor-help muted' }, 'YAML: routestat\'s layout or BGPalerter\'s prefixes.yml (docs/hijack.md) · Tab indents (Esc, then Tab, leaves the editor) · Ctrl+S saves')));
    await load();
    const beforeUnload = (e) => { if (ta.value !== saved) { e.preventDefault(); e.returnValue = ''; } };
    window.addEventListener('beforeunload', beforeUnload);
    return { destroy() { window.removeEventListener('beforeunload', beforeUnload); } };
  },
};
