/**
 * Allocation-free address parsing for per-hit hot paths (masking, the country lookup). Strict: accepts
 * exactly what `net.isIPv4` / `net.isIPv6` accept (no leading zeros in a dotted quad, at most one
 * `::`, a dotted quad only in the last 32 bits), without their regular expressions, which cost
 * about a microsecond per call here. A zone id (`%eth0`) is the caller's to strip.
 */

/** A dotted quad → its unsigned 32-bit value, or -1 when `s` is not one. */
export function parseIPv4(s: string): number {
  let x = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      x = x * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return x * 256 + part;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20; // ASCII lower case
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * An IPv6 address → its eight 16-bit groups in `out` (reused by the caller); false, with `out`
 * in an unspecified state, when `s` is not one.
 */
export function parseIPv6(s: string, out: number[]): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let groups = 0;
  let gap = -1; // where `::` stands, in groups
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    if (groups === 8) return false;
    let v = 0;
    let digits = 0;
    let j = i;
    for (; j < n; j++) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      if (++digits > 4) return false;
      v = v * 16 + h;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      // A trailing dotted quad fills the last two groups.
      if (groups > 6) return false;
      const x = parseIPv4(s.slice(i));
      if (x < 0) return false;
      out[groups++] = x >>> 16;
      out[groups++] = x & 0xffff;
      break;
    }
    if (digits === 0) return false;
    out[groups++] = v;
    i = j;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = groups;
      i++;
    } else if (i === n) {
      return false;
    }
  }
  if (gap < 0) return groups === 8;
  if (groups > 7) return false;
  const tail = groups - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[groups - 1 - k];
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}
