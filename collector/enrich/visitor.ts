/**
 * Cookieless visitor id: HMAC-SHA-256 keyed by the day's random salt over (app, full IP, UA).
 * Stable for one visitor within a UTC day and app; unlinkable across days once the salt is
 * destroyed (see `salts.ts`). The full IP is used here and nowhere else.
 */
import { createHmac } from 'node:crypto';
import { normalizeIp } from './ip.ts';

/** 128 bits in hex: plenty to tell visitors apart, half the bytes of the full digest. */
export function visitorId(salt: Uint8Array, appId: string, ip: string, userAgent: string): string {
  return createHmac('sha256', salt)
    .update(`${appId}\n${normalizeIp(ip)}\n${userAgent}`)
    .digest('hex')
    .slice(0, 32);
}

export type VisitorIdFn = (
  salt: Uint8Array,
  appId: string,
  ip: string,
  userAgent: string,
  nowMs: number,
) => string;

/**
 * `visitorId` memoised: a visitor sends several hits within seconds (pageview, events, the next
 * page), and the HMAC is a noticeable share of a hit's CPU. Same answers as `visitorId`. Entries
 * live at most `ttlMs` (the map is dropped whole when that old, when full, or when the salt
 * changes), so full addresses are not held in memory for longer than that.
 */
export function createVisitorIdCache(opts: { maxEntries?: number; ttlMs?: number } = {}): VisitorIdFn {
  const maxEntries = opts.maxEntries ?? 10_000;
  const ttlMs = opts.ttlMs ?? 10_000;
  let memo = new Map<string, string>();
  let memoSalt: Uint8Array | undefined;
  let startedMs = 0;
  return (salt, appId, ip, userAgent, nowMs) => {
    if (salt !== memoSalt || nowMs - startedMs >= ttlMs || nowMs < startedMs || memo.size >= maxEntries) {
      memo = new Map();
      memoSalt = salt;
      startedMs = nowMs;
    }
    const key = `${appId}\n${ip}\n${userAgent}`;
    let id = memo.get(key);
    if (id === undefined) {
      id = visitorId(salt, appId, ip, userAgent);
      memo.set(key, id);
    }
    return id;
  };
}
