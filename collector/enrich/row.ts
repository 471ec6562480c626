/**
 * A validated hit + what the connection tells → one complete `LakeRow` (DESIGN §3, §4). Pure: the
 * caller supplies arrival time, addresses and the day's salt. The full client address is used only
 * for the visitor hash and the country lookup; the row gets the masked one.
 */
import { SCHEMA_VERSION, type Source, WEB_VITALS_COLUMNS, WEB_VITALS_EVENT } from '../../schemas/columns.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import { type BatchHit, LIMITS } from '../../schemas/wire.ts';
import type { BotPolicy } from './bot.ts';
import { isBotUserAgent } from './bot.ts';
import type { CountryLookup } from './country-lookup.ts';
import { maskIp } from './ip.ts';
import { stripFragment } from './url.ts';
import { uuidv7 } from './uuid7.ts';
import { type VisitorIdFn, visitorId } from './visitor.ts';

export interface HitContext {
  source: Source;
  receivedAt: Date;
  /** `receivedAt` as ISO-8601, made once per request rather than once or twice per hit. */
  receivedAtIso?: string;
  /** Full client address from the connection (after trusted proxy hops). */
  ip: string;
  userAgent: string;
  salt: Uint8Array;
  botPolicy: BotPolicy;
  /** Memoised visitor ids (`createVisitorIdCache`); default: computed every time. */
  visitorIdOf?: VisitorIdFn;
  /** Country of the full address (before masking); default: none, `country` is NULL. */
  countries?: CountryLookup;
}

export type Enriched =
  /** Goes to the lake (`is_bot` true when the app keeps bots). */
  | { kind: 'store'; row: LakeRow }
  /** A bot under the `drop` policy: counted in rollups, kept out of the lake. */
  | { kind: 'drop_bot'; row: LakeRow };

const ALPHA2 = /^[A-Z]{2}$/;
/** The lookup's answer if it is an ISO 3166-1 alpha-2 code, else null: the lake holds no other text. */
const countryCode = (c: string | null): string | null => (c !== null && ALPHA2.test(c) ? c : null);

/** Client time if inside [-24 h, +5 min] of arrival, else arrival time. */
export function eventTime(eventMs: number | undefined, receivedMs: number): number {
  if (eventMs === undefined) return receivedMs;
  const inWindow =
    eventMs >= receivedMs - LIMITS.pastWindowMs && eventMs <= receivedMs + LIMITS.futureWindowMs;
  return inWindow ? eventMs : receivedMs;
}

export function enrichHit(hit: BatchHit, eventMs: number | undefined, ctx: HitContext): Enriched {
  const receivedMs = ctx.receivedAt.getTime();
  const receivedIso = ctx.receivedAtIso ?? ctx.receivedAt.toISOString();
  const eventAt = eventTime(eventMs, receivedMs);
  // /v1/batch may carry the original client's address and UA; browser routes never do.
  const ip = hit.client_ip ?? ctx.ip;
  const ua = hit.user_agent ?? ctx.userAgent;
  // Server-side hits without a client UA carry the backend's own UA: not a bot, not a browser.
  const bot = ctx.source === 'server' && hit.user_agent === undefined ? false : isBotUserAgent(ua);
  const row: LakeRow = {
    log_id: hit.log_id?.toLowerCase() ?? uuidv7(receivedMs),
    app_id: hit.app_id,
    client_sub_id: hit.client_sub_id ?? null,
    module_id: hit.module_id ?? null,
    event_type: hit.event_type,
    event_name: hit.event_name ?? null,
    source: ctx.source,
    timestamp: eventAt === receivedMs ? receivedIso : new Date(eventAt).toISOString(),
    received_at: receivedIso,
    url: stripFragment(hit.url),
    referrer: stripFragment(hit.referrer),
    user_agent: ua,
    client_ip: maskIp(ip),
    session_id: hit.session_id ?? null,
    visitor_id: ctx.visitorIdOf
      ? ctx.visitorIdOf(ctx.salt, hit.app_id, ip, ua, receivedMs)
      : visitorId(ctx.salt, hit.app_id, ip, ua),
    status_code: hit.status_code ?? null,
    status: hit.status ?? null,
    response_time_ms: hit.response_time_ms ?? null,
    request_id: hit.request_id ?? null,
    metadata: hit.metadata === undefined ? null : JSON.stringify(hit.metadata),
    is_bot: bot,
    schema_version: SCHEMA_VERSION,
    // From the full address, here, before it is gone: the only schema-2 column that needs it. A
    // server-side hit without `client_ip` comes from the backend's address: no visitor's country.
    country:
      ctx.countries && !(ctx.source === 'server' && hit.client_ip === undefined)
        ? countryCode(ctx.countries.lookup(ip))
        : null,
  };
  // Web Vitals ride only on web_vitals events (the validator refuses them elsewhere): other rows
  // leave the keys out, so the common line stays as short as it was.
  if (hit.event_name === WEB_VITALS_EVENT) {
    for (const k of WEB_VITALS_COLUMNS) if (hit[k] !== undefined) row[k] = hit[k];
  }
  return bot && ctx.botPolicy === 'drop' ? { kind: 'drop_bot', row } : { kind: 'store', row };
}
