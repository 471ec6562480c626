/**
 * The transformer's enrichment (DESIGN §3, schema v2): the columns derived from a row's stored
 * `user_agent`, `url` and `referrer`, so `alt replay` can re-derive them when a parser or a list
 * improves. Pure: the same row gives the same fields; the memos only save work.
 */
import { type AcquisitionFields, acquisition, CHANNELS, type Channel } from './acquisition.ts';
import { createUserAgentParser, DEVICE_TYPES, type DeviceType, type UserAgentFields } from './user-agent.ts';

export { CHANNELS, type Channel, DEVICE_TYPES, type DeviceType };

/** The stored columns enrichment reads. */
export interface EnrichInput {
  url: string | null;
  referrer: string | null;
  user_agent: string;
  is_bot: boolean;
}

/** The derived v2 columns, in the lake's column order (DESIGN §3). */
export type EnrichedFields = UserAgentFields & AcquisitionFields;

export interface EnricherOptions {
  /** Distinct user agents remembered (default 2,000). */
  userAgents?: number;
}

/**
 * An enricher with its own UA memo (one per transformer process is the intended use). Referrer
 * hosts are memoised inside referrer-hosts.ts; URLs are too varied to be worth remembering.
 */
export function createEnricher(opts: EnricherOptions = {}): (row: EnrichInput) => EnrichedFields {
  const ua = createUserAgentParser(opts.userAgents ?? 2_000);
  return (row) => {
    const d = ua(row.user_agent);
    const a = acquisition(row.url, row.referrer);
    return {
      browser: d.browser,
      browser_version: d.browser_version,
      os: d.os,
      os_version: d.os_version,
      // The collector's verdict (isbot and its additions) outranks what the UA claims to be.
      device_type: row.is_bot ? 'other' : d.device_type,
      url_host: a.url_host,
      url_path: a.url_path,
      referrer_host: a.referrer_host,
      channel: a.channel,
      utm_source: a.utm_source,
      utm_medium: a.utm_medium,
      utm_campaign: a.utm_campaign,
      utm_term: a.utm_term,
      utm_content: a.utm_content,
    };
  };
}

/** The derived v2 fields of one row, with the module's shared memos. */
export const enrichHit: (row: EnrichInput) => EnrichedFields = createEnricher();
