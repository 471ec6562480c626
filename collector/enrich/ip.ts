/**
 * Client address masking (DESIGN §4): applied before a hit is written or logged, so a full address
 * never leaves the process. IPv4 keeps its /24, IPv6 its /48; IPv4-mapped IPv6 (`::ffff:a.b.c.d`,
 * what a dual-stack socket reports for IPv4 clients) is masked and written as IPv4.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Returned for anything that is not an address, so a row never carries raw junk. */
export const UNKNOWN_IP = '0.0.0.0';

function maskV4(ip: string): string {
  const p = ip.split('.');
  return `${p[0]}.${p[1]}.${p[2]}.0`;
}

/** The eight 16-bit groups of an IPv6 address (already checked by `isIPv6`). */
function groups6(ip: string): number[] {
  // A trailing dotted quad (`::ffff:1.2.3.4`) becomes two hex groups first.
  const s = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [((+a << 8) | +b).toString(16), ((+c << 8) | +d).toString(16)].join(':'),
  );
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)));
  const gap = s.indexOf('::');
  if (gap < 0) return parse(s);
  const left = parse(s.slice(0, gap));
  const right = parse(s.slice(gap + 2));
  return [...left, ...new Array(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
}

export function maskIp(raw: string | undefined | null): string {
  if (!raw) return UNKNOWN_IP;
  const ip = raw.split('%')[0];
  if (isIPv4(ip)) return maskV4(ip);
  if (!isIPv6(ip)) return UNKNOWN_IP;
  const g = groups6(ip);
  if (g.length !== 8) return UNKNOWN_IP;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return maskV4(`${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`);
  }
  const [a, b, c] = g;
  const hex = (n: number) => n.toString(16);
  // /48: the first three groups kept, the rest zero, in canonical compressed form.
  if (c !== 0) return `${hex(a)}:${hex(b)}:${hex(c)}::`;
  if (b !== 0) return `${hex(a)}:${hex(b)}::`;
  if (a !== 0) return `${hex(a)}::`;
  return '::';
}

/** Normalises an address for hashing: IPv4-mapped IPv6 becomes IPv4, zone ids are dropped. */
export function normalizeIp(raw: string): string {
  const ip = raw.split('%')[0];
  if (isIPv6(ip)) {
    const g = groups6(ip);
    if (g.length === 8 && g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
      return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
    }
    return g.map((x) => x.toString(16)).join(':');
  }
  return ip;
}
