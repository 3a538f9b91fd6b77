// Time helpers: the data API speaks UTC, and so does every widget.

/** parseTime reads an API time ("2019-09-23T08:30:00", unix seconds) as a Date in UTC. */
export function parseTime(v) {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'number') return new Date(v * 1000);
  if (/^\d+$/.test(v)) return new Date(Number(v) * 1000);
  const s = /[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** fmtTime formats a Date as "2019-09-23 08:30:00 UTC" (or without seconds). */
export function fmtTime(d, { seconds = true, zone = true } = {}) {
  if (!d) return '';
  const iso = d.toISOString();
  const s = `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)}`;
  return zone ? `${s} UTC` : s;
}

/** apiTime formats a Date the way the data API takes it: 2019-09-23T08:30:00. */
export function apiTime(d) {
  return d.toISOString().slice(0, 19);
}

/** fmtDuration formats seconds as "3d 4h", "12m 5s". */
export function fmtDuration(sec) {
  sec = Math.max(0, Math.round(sec));
  const d = Math.floor(sec / 86400); const hh = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60); const s = sec % 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}
