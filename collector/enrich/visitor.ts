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
