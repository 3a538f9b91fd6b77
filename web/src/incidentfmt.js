// How incidents read to people: type names, titles, severity and status
// pills, and the order severities sort in.
import { h } from '../../widgets/src/core/dom.js';
import { pill } from './ui.js';

/** TYPES maps incident types (the detector's monitors) to labels. */
export const TYPES = {
  'exact-origin': 'Exact-prefix hijack',
  'sub-prefix': 'Sub-prefix hijack',
  squatting: 'Squatting',
  'fake-first-hop': 'Fake first hop',
  'route-leak': 'Route leak',
  'rpki-invalid': 'RPKI invalid',
  'visibility-loss': 'Visibility loss',
  'more-specific': 'More-specific',
  'new-prefix': 'New prefix',
  'new-neighbour': 'New neighbour',
  'path-match': 'Path match',
  'delegated-more-specific': 'Delegated more-specific',
};

const SEVERITY_RANK = { critical: 4, high: 3, warning: 2, info: 1 };

/** severityRank orders severities (critical highest). */
export function severityRank(s) {
  return SEVERITY_RANK[s] || 0;
}

/** typeLabel names an incident type. */
export function typeLabel(t) {
  return TYPES[t] || t || 'Incident';
}

/** scope is what the incident is about: the monitored prefix or AS. */
export function scope(inc) {
  if (inc.monitored_prefix) return inc.monitored_prefix;
  if (inc.monitored_as) return `AS${inc.monitored_as}`;
  return (inc.prefixes && inc.prefixes[0]) || '';
}

/** title is an incident's one-line title: "Sub-prefix hijack of 208.65.152.0/22 (YouTube) by AS17557". */
export function title(inc) {
  let t = `${typeLabel(inc.type)} of ${scope(inc)}`;
  if (inc.description) t += ` (${inc.description})`;
  const legit = inc.legitimate_origins || [];
  if (inc.offending_as && !legit.includes(inc.offending_as)) t += ` by AS${inc.offending_as}`;
  return t;
}

/** severityPill shows a severity with its colour. */
export function severityPill(s) {
  const tone = { critical: 'bad', high: 'bad-soft', warning: 'warn', info: 'info' }[s] || 'muted';
  return pill(s || 'unknown', tone, { class: 'sev', 'data-severity': s || '' });
}

/** statusPill shows open (red for a hijack, amber otherwise) or resolved (green). */
export function statusPill(inc) {
  if (inc.status === 'open') return pill('open', inc.hijack ? 'bad-solid' : 'warn', { class: 'status' });
  return pill(inc.status || '?', 'ok', { class: 'status' });
}

/** statusPills shows the status and what people said (acknowledged, false positive). */
export function statusPills(inc) {
  return h('span', { class: 'pills' },
    statusPill(inc),
    inc.acknowledged ? pill('acknowledged', 'info') : null,
    inc.false_positive ? pill('false positive', 'muted') : null,
    inc.reopened ? pill(`reopened ×${inc.reopened}`, 'warn') : null);
}
