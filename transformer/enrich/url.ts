/**
 * URL → host, path and query, and query → named parameters, as the WHATWG URL parser and
 * URLSearchParams would give them, without their cost on the common shapes: together they cost
 * more than the rest of enrichment, and every hit has a URL and most a referrer. A string that
 * is not in the common shape goes to `URL.parse`; url.test.ts holds the two paths to the same
 * answers. Never throws.
 */

export interface UrlParts {
  /** Lowercase, without a trailing dot. */
  host: string;
  /** As the WHATWG parser leaves it (percent-escapes kept), `/` at least. */
  path: string;
  /** `?…` or ''. */
  search: string;
}

/** Past this a string is no URL we stored (the collector takes ≤ 2 KiB) and is not parsed. */
export const MAX_URL_LENGTH = 16 * 1024;

const c = (ch: string) => ch.charCodeAt(0);
// Literals, not c('/'), so that the scanner's comparisons are against constants.
const SLASH = 0x2f;
const QUESTION = 0x3f;
const HASH = 0x23;
const COLON = 0x3a;
const DOT = 0x2e;
const HYPHEN = 0x2d;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;

/** Host characters of the simple shape: lowercase ASCII letters, digits, `-`, `.`. */
const HOST_CHAR = new Uint8Array(128);
for (const ch of 'abcdefghijklmnopqrstuvwxyz0123456789-.') HOST_CHAR[c(ch)] = 1;
/** Path characters the WHATWG parser neither escapes nor rewrites (for http/https). */
const PATH_CHAR = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%/")
  PATH_CHAR[c(ch)] = 1;

const isLetter = (code: number) => code >= 97 && code <= 122;

/**
 * Scans `http(s)://` + a simple host (+ a valid port) from the start of `s`: the host and the
 * index after it, or null when `s` does not start that way. The host is lowercase ASCII, its last
 * label starts with a letter (so no IPv4 forms), and it is not punycode.
 */
function scanHost(s: string): { host: string; end: number } | null {
  let i: number;
  if (s.startsWith('https://')) i = 8;
  else if (s.startsWith('http://')) i = 7;
  else return null;
  const n = s.length;
  const hostStart = i;
  let lastDot = -1;
  let hyphen = false;
  for (; i < n; i++) {
    const code = s.charCodeAt(i);
    if (code >= 128 || HOST_CHAR[code] === 0) break;
    if (code === HYPHEN) hyphen = true;
    else if (code === DOT) {
      // Empty labels (`a..b`, `.a`, `a.`) are for the WHATWG parser.
      if (i === hostStart || i === lastDot + 1) return null;
      lastDot = i;
    }
  }
  const hostEnd = i;
  if (hostEnd === hostStart || lastDot === hostEnd - 1 || !isLetter(s.charCodeAt(lastDot + 1))) return null;
  const host = s.slice(hostStart, hostEnd);
  if (hyphen && host.includes('xn--')) return null;
  if (i < n && s.charCodeAt(i) === COLON) {
    const portStart = ++i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === portStart || i - portStart > 5 || Number(s.slice(portStart, i)) > 65535) return null;
  }
  // The host must end where the WHATWG parser ends it.
  if (i < n) {
    const code = s.charCodeAt(i);
    if (code !== SLASH && code !== QUESTION && code !== HASH) return null;
  }
  return { host, end: i };
}

/**
 * The scheme, host and port of the last page URL `parseSimple` took (`https://shop.example:8443`),
 * and its host: a batch's page URLs mostly share a few origins, often one after another.
 */
let lastOrigin = '';
let lastOriginHost = '';

/**
 * `scanHost(s)`, without scanning a host seen in the URL before: what `scanHost` gives depends only
 * on the characters up to the end of the origin and the one after it, which must be `/`, `?`, `#`
 * or none — and none of those could have continued the origin's host or port.
 */
function scanOrigin(s: string): { host: string; end: number } | null {
  const n = lastOrigin.length;
  if (n > 0 && s.startsWith(lastOrigin)) {
    const next = n < s.length ? s.charCodeAt(n) : SLASH;
    if (next === SLASH || next === QUESTION || next === HASH) return { host: lastOriginHost, end: n };
  }
  const scanned = scanHost(s);
  if (scanned !== null) {
    lastOrigin = s.slice(0, scanned.end);
    lastOriginHost = scanned.host;
  }
  return scanned;
}

/**
 * The simple shape: a simple host (`scanHost`), a path of plain characters without dot segments
 * or `%2e`, a query without spaces, control characters, backslashes or surrogates. Else null.
 */
function parseSimple(s: string): UrlParts | null {
  const scanned = scanOrigin(s);
  if (scanned === null) return null;
  const { host } = scanned;
  const n = s.length;
  let i = scanned.end;
  let path = '/';
  if (i < n && s.charCodeAt(i) === SLASH) {
    const pathStart = i;
    for (; i < n; i++) {
      const code = s.charCodeAt(i);
      if (code === QUESTION || code === HASH) break;
      if (code >= 128 || PATH_CHAR[code] === 0) return null;
      // Dot segments (`/./`, `/../`, also as `%2e`) are rewritten by the WHATWG parser.
      if (code === DOT && s.charCodeAt(i - 1) === SLASH) return null;
      if (code === PERCENT && s.charCodeAt(i + 1) === 50 && (s.charCodeAt(i + 2) | 0x20) === 101) return null;
    }
    path = s.slice(pathStart, i);
  }
  let search = '';
  if (i < n && s.charCodeAt(i) === QUESTION) {
    const queryStart = i;
    for (; i < n; i++) {
      const code = s.charCodeAt(i);
      if (code === HASH) break;
      // The WHATWG parser strips tabs and newlines anywhere and trims spaces at the ends.
      if (code <= 0x20 || code === BACKSLASH || code === 0x7f) return null;
      // Lone surrogates become U+FFFD there; pairs are rare enough not to tell apart.
      if (code >= 0xd800 && code <= 0xdfff) return null;
    }
    search = i - queryStart > 1 ? s.slice(queryStart, i) : '';
  }
  if (i < n) {
    if (s.charCodeAt(i) !== HASH) return null;
    // A fragment does not matter, but a trailing space or control character would be trimmed.
    const last = s.charCodeAt(n - 1);
    if (last <= 0x20) return null;
  }
  return { host, path, search };
}

/** Host, path and query of an absolute URL; null when it has no host or does not parse. */
export function parseUrl(s: string | null | undefined): UrlParts | null {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_URL_LENGTH) return null;
  const simple = parseSimple(s);
  if (simple !== null) return simple;
  const u = URL.parse(s);
  if (u === null) return null;
  let host = u.hostname;
  if (host.endsWith('.')) host = host.slice(0, -1);
  // `about:blank`, `data:`, … have no host: not a place a visitor came from.
  if (host === '') return null;
  return { host, path: u.pathname, search: u.search };
}

/**
 * The host of an absolute URL, as `parseUrl(s)?.host` gives it. Cheaper on the simple shape: once
 * a special URL's host has ended at `/`, `?` or `#`, nothing after it can change the host or fail
 * the parse (the WHATWG parser only trims the ends and drops tabs and newlines), so the rest is
 * not read. Referrers need only their host.
 */
export function parseHost(s: string | null | undefined): string | null {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_URL_LENGTH) return null;
  return scanHost(s)?.host ?? parseUrl(s)?.host ?? null;
}

/** application/x-www-form-urlencoded decoding, as URLSearchParams does it. */
function formDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    // Malformed escapes or UTF-8: URLSearchParams keeps the former and replaces the latter. `s`
    // holds no `&`, so it is one value to it.
    return new URLSearchParams(`v=${s}`).get('v') ?? s;
  }
}

/**
 * The first value of each of `names` in a query (`?a=1&b=2`) as `parseUrl` returns it (which
 * holds no lone surrogates), decoded like URLSearchParams; a name that is present without a value
 * maps to ''. Names absent are absent from the result.
 */
export function queryParams(search: string, names: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  let start = search.charCodeAt(0) === QUESTION ? 1 : 0;
  while (start < search.length) {
    let end = search.indexOf('&', start);
    if (end < 0) end = search.length;
    if (end > start) {
      const eq = search.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      const rawName = search.slice(start, hasValue ? eq : end);
      const name = formDecode(rawName);
      if (names.has(name) && !out.has(name))
        out.set(name, hasValue ? formDecode(search.slice(eq + 1, end)) : '');
    }
    start = end + 1;
  }
  return out;
}
