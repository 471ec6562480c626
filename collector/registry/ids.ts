/**
 * App ids and write keys. App ids are `alt_` + exactly 22 base62 characters encoding 128 random
 * bits (62^22 > 2^128, so every 128-bit value fits; left-padded with '0'): never sequential, never
 * guessable. Write keys are `altk_` + 43 base62 characters (256 random bits), shown once and stored
 * only as their SHA-256 hex.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function toBase62(bytes: Uint8Array, width: number): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let s = '';
  while (n > 0n) {
    s = BASE62[Number(n % 62n)] + s;
    n /= 62n;
  }
  if (s.length > width) throw new Error(`value does not fit in ${width} base62 characters`);
  return s.padStart(width, '0');
}

export const newAppId = (): string => `alt_${toBase62(randomBytes(16), 22)}`;
export const newWriteKey = (): string => `altk_${toBase62(randomBytes(32), 43)}`;

export const hashWriteKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Constant-time comparison of a presented key with a stored SHA-256 hex. */
export function writeKeyMatches(key: string, storedSha256: string): boolean {
  const a = Buffer.from(hashWriteKey(key), 'hex');
  const b = Buffer.from(storedSha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
