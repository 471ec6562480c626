/**
 * Client address masking (DESIGN §4): applied before a hit is written or logged, so a full address
 * never leaves the process. IPv4 keeps its /24, IPv6 its /48; IPv4-mapped IPv6 (`::ffff:a.b.c.d`,
 * what a dual-stack socket reports for IPv4 clients) is masked and written as IPv4.
 */
import { parseIPv4, parseIPv6 } from './ip-parse.ts';

/** Returned for anything that is not an address, so a row never carries raw junk. */
export const UNKNOWN_IP = '0.0.0.0';

/** The address without a zone id (`fe80::1%eth0`). */
function zoneless(raw: string): string {
  const cut = raw.indexOf('%');
  return cut < 0 ? raw : raw.slice(0, cut);
}

const dotted = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
const maskV4 = (x: number) => dotted(x - (x & 255));

// One request at a time runs these (they are synchronous): one buffer for the eight groups.
const groups = [0, 0, 0, 0, 0, 0, 0, 0];
const isMappedV4 = (g: number[]) =>
  g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
const mappedV4 = (g: number[]) => g[6] * 65536 + g[7];

export function maskIp(raw: string | undefined | null): string {
  if (!raw) return UNKNOWN_IP;
  const ip = zoneless(raw);
  const x = parseIPv4(ip);
  if (x >= 0) return maskV4(x);
  const g = groups;
  if (!parseIPv6(ip, g)) return UNKNOWN_IP;
  if (isMappedV4(g)) return maskV4(mappedV4(g));
  const [a, b, c] = g;
  const hex = (n: number) => n.toString(16);
  if (c !== 0) return `${hex(a)}:${hex(b)}:${hex(c)}::`;
  if (b !== 0) return `${hex(a)}:${hex(b)}::`;
  if (a !== 0) return `${hex(a)}::`;
  return '::';
}

/** Normalises an address for hashing: IPv4-mapped IPv6 becomes IPv4, zone ids are dropped. */
export function normalizeIp(raw: string): string {
  const ip = zoneless(raw);
  const g = groups;
  if (parseIPv6(ip, g)) {
    return isMappedV4(g) ? dotted(mappedV4(g)) : g.map((x) => x.toString(16)).join(':');
  }
  return ip;
}
