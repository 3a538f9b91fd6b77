// Formatting and linking helpers shared by the widgets: numbers, ASNs,
// prefixes, AS paths and the (cached) AS holder names.
import { h } from './dom.js';

const nf = new Intl.NumberFormat('en-US');

/** num formats an integer with thousands separators ("12,345"); '–' for none. */
export function num(n) {
  if (n === undefined || n === null || Number.isNaN(Number(n))) return '–';
  return nf.format(Number(n));
}

/** pct formats a ratio 0..1 as "97.5%" ("–" when unknown). */
export function pct(r) {
  if (r === null || r === undefined || !Number.isFinite(r)) return '–';
  const p = r * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** asText normalises an AS number to "AS123" (strings and ints alike). */
export function asText(a) {
  const s = String(a).replace(/^as/i, '');
  return `AS${s}`;
}

/** asLink is a link to an AS's resource page ("AS123"), with an optional holder name after it. */
export function asLink(ctx, a, holder) {
  const t = asText(a);
  const link = h('a', { href: ctx.resourceLink(t), class: 'mono', title: holder || null }, t);
  return holder ? h('span', { class: 'as' }, link, ' ', h('span', { class: 'muted small' }, holder)) : link;
}

/** resLink is a link to a prefix, address or AS page, in monospace. */
export function resLink(ctx, r) {
  return h('a', { href: ctx.resourceLink(String(r)), class: 'mono' }, String(r));
}

/** asPath draws a space-separated or array AS path with each AS linked and the origin in bold. */
export function asPath(ctx, path) {
  const parts = Array.isArray(path) ? path.map(String) : String(path || '').split(/\s+/).filter(Boolean);
  const out = h('span', { class: 'aspath' });
  parts.forEach((p, i) => {
    if (i) out.append(' ');
    const isAS = /^\d+$/.test(p);
    const node = isAS ? h('a', { href: ctx.resourceLink(`AS${p}`), class: i === parts.length - 1 ? 'o' : null }, p) : h('span', null, p);
    out.append(node);
  });
  return out;
}

/** kind tells what a resource string is: 'asn', 'prefix', 'ip' or 'none'. */
export function kind(r) {
  const s = String(r || '').trim();
  if (!s) return 'none';
  if (/^(as)?\d+(\.\d+)?$/i.test(s)) return 'asn';
  if (s.includes('/')) return 'prefix';
  if (/^[\d.]+$/.test(s) || s.includes(':')) return 'ip';
  return 'none';
}

/** prefixSize is the number of addresses of an IPv4 prefix, or of /48s of an IPv6 one. */
export function prefixSize(p) {
  const [addr, len] = String(p).split('/');
  const l = Number(len);
  if (addr.includes(':')) return l <= 48 ? 2 ** (48 - l) : 0;
  return 2 ** (32 - l);
}

// AS names: one as-overview call per AS, cached per data API.
const names = new Map();

/**
 * holders returns a Map asn(number) -> holder name for up to limit ASes,
 * fetched through ctx.data (so the URLs show under "data"); failures
 * leave a name out.
 */
export async function holders(ctx, asns, limit = 12) {
  const out = new Map();
  const list = [...new Set(asns.map((a) => Number(String(a).replace(/^as/i, ''))).filter((a) => Number.isFinite(a)))].slice(0, limit);
  await Promise.all(list.map(async (a) => {
    const key = `${ctx.frame ? ctx.frame.dataHome : ''}|${a}`;
    if (!names.has(key)) {
      names.set(key, ctx.data('as-overview', { resource: `AS${a}` }).then((d) => (d && d.holder) || '', () => { names.delete(key); return ''; }));
    } else if (ctx.frame) {
      ctx.frame.urls.push(new URL(`data/as-overview/data.json?resource=AS${a}`, ctx.frame.dataHome).toString());
    }
    const n = await names.get(key);
    if (n) out.set(a, n);
  }));
  return out;
}

/** empty is the "nothing here" box. */
export function empty(text) {
  return h('div', { class: 'empty' }, text);
}

/** collectorName names a collector from the data API's rrc field: "00" is rrc00, a name (route-views2) stays itself. */
export function collectorName(rrc) {
  const s = String(rrc ?? '');
  return /^\d+$/.test(s) ? `rrc${s}` : s;
}
