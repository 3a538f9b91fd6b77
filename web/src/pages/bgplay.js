// /bgplay/RESOURCE: the BGPlay widget across the whole page, in the
// global time window (zooming on its timeline narrows the window).
import { h } from '../../../widgets/src/core/dom.js';
import { parseResource, kindLabel } from '../resource.js';
import { navigate, pathFor } from '../router.js';
import { mountWidget, widgetParams, settingsFromQuery, syncSettings } from '../widgets.js';
import { pageHead, emptyState } from '../ui.js';

export default {
  usesRange: true,
  async render(main, ctx) {
    // One resource or several, comma-separated (/bgplay/192.0.2.0/24,AS64500).
    const parts = String(ctx.route.resource || '').split(',').map((x) => parseResource(x));
    const res = parts.length && parts.every(Boolean)
      ? { kind: parts.length > 1 ? 'list' : parts[0].kind, value: parts.map((x) => x.value).join(',') } : null;
    if (!res) {
      main.append(pageHead({ kicker: 'BGPlay', title: ctx.route.resource || 'BGPlay' }),
        emptyState('Which resource?', 'BGPlay replays the routes of a prefix, an IP address or an AS: /bgplay/193.0.0.0/21, /bgplay/AS3333.', h('a', { href: '/' }, 'Search a resource')));
      return {};
    }
    if (res.value !== ctx.route.resource) { navigate(`/bgplay/${encodeURI(res.value)}${location.search}`, { replace: true }); return {}; }
    main.dataset.resource = res.value;
    document.title = `BGPlay ${res.value} · routestat`;
    main.append(pageHead({
      kicker: `BGPlay · ${res.kind === 'list' ? 'Resources' : kindLabel(res.kind)}`,
      title: res.value,
      titleClass: 'mono',
      meta: h('span', null, 'Every route change of the window, replayed on the AS graph. ',
        parts.length === 1 ? h('a', { href: pathFor(res.value) + location.search }, `${res.value} overview →`) : null),
    }));
    const box = h('div', { class: 'bgplay-page' });
    main.append(box);
    let params = widgetParams('bgplay', res.value, ctx.win, settingsFromQuery('bgplay', ctx.q));
    const m = mountWidget(box, 'bgplay', params, {
      onTimeSelect: (s, e) => ctx.setRange({ preset: null, start: s, end: e }),
      onSettings: (name, widget) => {
        for (const [k, v] of Object.entries(syncSettings(name, widget, params))) {
          params = { ...params };
          if (v === null) delete params[k.slice(name.length + 1)]; else params[k.slice(name.length + 1)] = v;
        }
      },
    });
    return {
      update(c) {
        const p = widgetParams('bgplay', res.value, c.win, settingsFromQuery('bgplay', c.q));
        if (JSON.stringify(p) !== JSON.stringify(params) && m.widget) { params = p; m.widget.update(p); }
        return true;
      },
    };
  },
};
