/**
 * Where a hit came from, from its `url` and `referrer` (DESIGN §3, schema v2): the page's host and
 * path, the referrer's host, the UTM tags, and a channel by the rules in docs/channels.md
 * (modelled on GA4's default channel group). Pure; never throws: anything that does not parse
 * gives nulls.
 */
import { kindOfHost, kindOfSource, type SiteKind } from './referrer-hosts.ts';
import { parseHost, parseUrl, queryParams, type UrlParts } from './url.ts';

export const CHANNELS = [
  'direct',
  'internal',
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'email',
  'ai_assistant',
  'referral',
  'other',
] as const;
export type Channel = (typeof CHANNELS)[number];

export interface AcquisitionFields {
  url_host: string | null;
  url_path: string | null;
  referrer_host: string | null;
  channel: Channel;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
}

/** DESIGN §3: UTM values are stored decoded, at most this long. */
export const UTM_MAX_LENGTH = 256;

/**
 * Click ids that ad platforms add to the landing URL. Only ids that mean "an ad was clicked":
 * `fbclid` is not one of them — Facebook and Instagram add it to every outbound link, organic
 * posts included — so it only says "came from Meta" (see `SOCIAL_HINT_IDS`).
 */
const SEARCH_AD_CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'msclkid', 'yclid'];
const SOCIAL_AD_CLICK_IDS = ['ttclid', 'twclid', 'li_fat_id', 'ScCid'];
const SOCIAL_HINT_IDS = ['fbclid'];
const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
const WANTED = new Set([...UTM, ...SEARCH_AD_CLICK_IDS, ...SOCIAL_AD_CLICK_IDS, ...SOCIAL_HINT_IDS]);
/**
 * A query can hold a `WANTED` name only if it spells one out or has a `%` escape: names are
 * form-decoded before they are compared (`utm_%73ource` is `utm_source`), and only an escape can
 * decode into a name's letters (`+` decodes to a space, which no name has). Queries without either
 * (`?id=7`, `?page=2&sort=price`) are most of those landing URLs carry, and skip `queryParams`.
 */
const MAY_NAME_WANTED = new RegExp(['%', ...WANTED].join('|')); // the names are word characters

/** GA4's paid-medium pattern; `email`, `organic`, … are matched below as exact words. */
const PAID_MEDIUM = /^(?:.*cp.*|ppc|paid.*)$/;
const PAID_SOCIAL_MEDIUM = /^paid[-_ ]?social$/;
const SOCIAL_MEDIUM = /^(?:social|social[-_ ]network|social[-_ ]media|sm|social network|social media)$/;
const EMAIL_WORD = /^(?:email|e-mail|e_mail|e mail|newsletter)$/;

const C0 = /[\u0000-\u001f\u007f]/g;

/** Decoded (as URLSearchParams would); trimmed, control characters out, ≤ 256 UTF-16 units, '' → null. */
function utmValue(v: string | undefined): string | null {
  if (v === undefined) return null;
  let s = v.replace(C0, '').trim();
  if (s.length > UTM_MAX_LENGTH) {
    s = s.slice(0, UTM_MAX_LENGTH);
    // Never end on half a surrogate pair.
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
  }
  return s === '' ? null : s;
}

/** Where a host's name starts once a leading `www.` is dropped. */
const wwwLength = (h: string) => (h.startsWith('www.') ? 4 : 0);

/** The two hosts are one site: equal, or equal but for a leading `www.` (cut only when it could be). */
function sameSite(a: string, b: string): boolean {
  if (a === b) return true;
  const i = wwwLength(a);
  const j = wwwLength(b);
  return a.length - i === b.length - j && a.slice(i) === b.slice(j);
}

interface Signals {
  source: string | null;
  medium: string | null;
  searchAdClick: boolean;
  socialAdClick: boolean;
  socialHint: boolean;
  /** What the referrer is, when there is one. */
  referrerKind: SiteKind | null;
  referrerHost: string | null;
  urlHost: string | null;
}

/** The channel, by the ordered rules of docs/channels.md; the first that matches wins. */
export function classifyChannel(s: Signals): Channel {
  const medium = s.medium?.toLowerCase() ?? null;
  const tagged = s.source !== null || medium !== null || s.searchAdClick || s.socialAdClick || s.socialHint;
  if (tagged) {
    // As in GA4, the source is utm_source when given, else the referrer.
    const kind = s.source !== null ? kindOfSource(s.source) : s.referrerKind;
    const paid = medium !== null && PAID_MEDIUM.test(medium);
    if (s.searchAdClick || (paid && kind === 'search')) return 'paid_search';
    if (
      s.socialAdClick ||
      (medium !== null && PAID_SOCIAL_MEDIUM.test(medium)) ||
      (paid && kind === 'social')
    )
      return 'paid_social';
    // Paid, but on no search engine or social network we know (display, affiliates' cpc, …).
    if (paid) return 'other';
    if ((medium !== null && EMAIL_WORD.test(medium)) || kind === 'email') return 'email';
    if (kind === 'ai') return 'ai_assistant';
    if (kind === 'social' || (medium !== null && SOCIAL_MEDIUM.test(medium)) || s.socialHint)
      return 'organic_social';
    if (medium === 'organic' || kind === 'search') return 'organic_search';
    if (medium === 'referral') return 'referral';
    // Tagged, but with tags no rule knows: GA4's "Unassigned".
    return 'other';
  }
  if (s.referrerHost === null) return 'direct';
  if (s.urlHost !== null && sameSite(s.referrerHost, s.urlHost)) return 'internal';
  switch (s.referrerKind) {
    case 'email':
      return 'email';
    case 'ai':
      return 'ai_assistant';
    case 'social':
      return 'organic_social';
    case 'search':
      return 'organic_search';
    default:
      return 'referral';
  }
}

const hasAny = (q: Map<string, string>, names: readonly string[]) => names.some((n) => q.has(n));

interface ReferrerInfo {
  host: string;
  kind: SiteKind | null;
}

/**
 * The last referrer read, and what it gave: hits of a batch often share one (a search engine's),
 * between hits that have none.
 */
let lastReferrer = '';
let lastReferrerInfo: ReferrerInfo | null = null;

function parseReferrer(referrer: string | null | undefined): ReferrerInfo | null {
  if (typeof referrer !== 'string' || referrer === '') return null;
  if (referrer === lastReferrer) return lastReferrerInfo;
  const host = parseHost(referrer);
  const info = host === null ? null : { host, kind: kindOfHost(host) };
  lastReferrer = referrer;
  lastReferrerInfo = info;
  return info;
}

/** Acquisition fields for one hit. */
export function acquisition(
  url: string | null | undefined,
  referrer: string | null | undefined,
): AcquisitionFields {
  let page: UrlParts | null = null;
  let ref: ReferrerInfo | null = null;
  // Neither throws on any input (the tests feed them garbage); the guard only keeps a future
  // change of that from failing a whole batch over one hit.
  try {
    page = parseUrl(url);
    ref = parseReferrer(referrer);
  } catch {
    page = null;
    ref = null;
  }
  let source: string | null = null;
  let medium: string | null = null;
  let campaign: string | null = null;
  let term: string | null = null;
  let content: string | null = null;
  let searchAdClick = false;
  let socialAdClick = false;
  let socialHint = false;
  // Most URLs have no query, or one without any name we look for.
  if (page !== null && page.search.length > 1 && MAY_NAME_WANTED.test(page.search)) {
    const q = queryParams(page.search, WANTED);
    source = utmValue(q.get('utm_source'));
    medium = utmValue(q.get('utm_medium'));
    campaign = utmValue(q.get('utm_campaign'));
    term = utmValue(q.get('utm_term'));
    content = utmValue(q.get('utm_content'));
    searchAdClick = hasAny(q, SEARCH_AD_CLICK_IDS);
    socialAdClick = hasAny(q, SOCIAL_AD_CLICK_IDS);
    socialHint = hasAny(q, SOCIAL_HINT_IDS);
  }
  const channel = classifyChannel({
    source,
    medium,
    searchAdClick,
    socialAdClick,
    socialHint,
    referrerKind: ref?.kind ?? null,
    referrerHost: ref?.host ?? null,
    urlHost: page?.host ?? null,
  });
  return {
    url_host: page?.host ?? null,
    url_path: page?.path ?? null,
    referrer_host: ref?.host ?? null,
    channel,
    utm_source: source,
    utm_medium: medium,
    utm_campaign: campaign,
    utm_term: term,
    utm_content: content,
  };
}
