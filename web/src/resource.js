// Resources the app has pages for: AS numbers, IP prefixes and addresses.
// parseResource recognises and normalises what people type or put in a URL.

const MAX_ASN = 4294967295;

/** parseIPv4 returns the dotted quad if s is an IPv4 address, else null. */
function parseIPv4(s) {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((n) => n > 255)) return null;
  return parts.join('.');
}

/** parseIPv6 returns the canonical (compressed, lower-case) IPv6 address, else null. */
function parseIPv6(s) {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  try {
    const host = new URL(`http://[${s}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return null;
  }
}

/**
 * parseResource reads "AS3333", "as3333", "3333", "193.0.0.0/21",
 * "193.0.0.1", "2001:DB8::/32" and returns {kind: 'asn'|'prefix'|'ip',
 * value} with value normalised ("AS3333", "2001:db8::/32"), or null.
 */
export function parseResource(text) {
  const s = String(text ?? '').trim();
  if (!s) return null;
  const asn = /^(?:AS)?(\d{1,10})$/i.exec(s);
  if (asn) {
    const n = Number(asn[1]);
    return n <= MAX_ASN ? { kind: 'asn', value: `AS${n}` } : null;
  }
  const asdot = /^AS(\d{1,5})\.(\d{1,5})$/i.exec(s); // asdot only with "AS": "208.65" is an address being typed
  if (asdot && Number(asdot[1]) <= 65535 && Number(asdot[2]) <= 65535) {
    return { kind: 'asn', value: `AS${Number(asdot[1]) * 65536 + Number(asdot[2])}` };
  }
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined) return null;
  const v4 = parseIPv4(addr);
  const v6 = v4 ? null : parseIPv6(addr);
  if (!v4 && !v6) return null;
  if (len === undefined) return { kind: 'ip', value: v4 || v6 };
  if (!/^\d{1,3}$/.test(len) || Number(len) > (v4 ? 32 : 128)) return null;
  return { kind: 'prefix', value: `${v4 || v6}/${Number(len)}` };
}

/** asNumber returns the number of "AS3333" / 3333 / "3333", or null. */
export function asNumber(v) {
  const m = /^(?:AS)?(\d+)$/i.exec(String(v ?? ''));
  return m ? Number(m[1]) : null;
}

/** kindLabel names a resource kind for people. */
export function kindLabel(kind) {
  return { asn: 'Autonomous system', prefix: 'IP prefix', ip: 'IP address' }[kind] || kind;
}
