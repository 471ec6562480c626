/**
 * Which kind of site a host (or a `utm_source`) is: a search engine, a social network, an AI
 * assistant or a webmail. Search, social and AI hosts come from Matomo's
 * searchengine-and-social-list (CC0-1.0), vendored as `data/referrer-hosts.json` by
 * `scripts/update-referrer-lists.ts`; webmail hosts and short source names are curated here.
 * docs/channels.md explains the matching and the precedence.
 */
import lists from './data/referrer-hosts.json' with { type: 'json' };
import { memoize } from './memo.ts';

export type SiteKind = 'email' | 'ai' | 'social' | 'search';

/** Precedence when one host or name is on two lists (Matomo lists chatgpt.com as search and AI). */
const KINDS: readonly SiteKind[] = ['email', 'ai', 'social', 'search'];
const RANK = Object.fromEntries(KINDS.map((k, i) => [k, i])) as Record<SiteKind, number>;

/**
 * Webmail front ends and mail apps (Android app referrers arrive as `android-app://<package>`).
 * Matomo has no email list; these are the large providers' own hosts.
 */
const WEBMAIL_HOSTS = [
  'mail.google.com',
  'inbox.google.com',
  'com.google.android.gm',
  'outlook.live.com',
  'outlook.office.com',
  'outlook.office365.com',
  'outlook.cloud.microsoft',
  'mail.yahoo.com',
  'mail.aol.com',
  'mail.proton.me',
  'mail.protonmail.com',
  'app.fastmail.com',
  'mail.zoho.com',
  'mail.yandex.ru',
  'e.mail.ru',
  'navigator.gmx.net',
  'navigator.web.de',
  'com.microsoft.office.outlook',
];

/**
 * `utm_source` values that are names, not hosts. Matomo's entry names (`Google`, `Facebook`,
 * `Perplexity`, …) are used too, lowercased without spaces or punctuation; these are the common
 * short forms that are no list's name.
 */
const SOURCE_ALIASES: Record<string, SiteKind> = {
  email: 'email',
  'e-mail': 'email',
  e_mail: 'email',
  'e mail': 'email',
  newsletter: 'email',
  gmail: 'email',
  outlook: 'email',
  fb: 'social',
  ig: 'social',
  x: 'social',
  yt: 'social',
  threads: 'social',
  openai: 'ai',
};

/** List names that are ordinary words as a `utm_source` (`inbox`, `free`, …): not names here. */
const GENERIC_NAMES = new Set([
  'inbox',
  'free',
  'lost',
  'karma',
  'witch',
  'chat',
  'you',
  'orange',
  'terra',
  'tagged',
]);

/**
 * Host patterns, with Matomo's `{}` kept as written: `{}` stands for one label anywhere and, in the
 * last place, for a TLD that may be a combined one (`google.{}` matches google.de and google.co.uk).
 */
type Table = { hosts: Map<string, SiteKind>; names: Map<string, SiteKind> };

/** Matomo's combined TLDs (its README): `google.{}` also matches google.co.uk, google.com.br. */
const COMBINED_TLD_FIRST = new Set(['com', 'org', 'net', 'co', 'it', 'edu']);

const nameKey = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function buildTable(): Table {
  const hostMap = new Map<string, SiteKind>();
  const names = new Map<string, SiteKind>();
  const byKind: Record<SiteKind, Record<string, string[]>> = {
    email: { webmail: WEBMAIL_HOSTS },
    ai: lists.ai,
    social: lists.social,
    search: lists.search,
  };
  // Higher-precedence kinds first; a later kind never overwrites an earlier one.
  for (const kind of KINDS) {
    for (const [name, hosts] of Object.entries(byKind[kind])) {
      const key = nameKey(name);
      // Very short names would catch unrelated sources.
      if (key.length >= 3 && !GENERIC_NAMES.has(key) && !names.has(key)) names.set(key, kind);
      for (const h of hosts) if (!hostMap.has(h)) hostMap.set(h, kind);
    }
  }
  for (const [alias, kind] of Object.entries(SOURCE_ALIASES)) if (!names.has(alias)) names.set(alias, kind);
  return { hosts: hostMap, names };
}

const TABLE = buildTable();

/**
 * The best kind among the patterns that match `host` exactly or with one `{}` (no pattern on the
 * list has two): each label in turn replaced by `{}`, and a combined TLD as one `{}`.
 */
function matchLevel(host: string, best: SiteKind | null): SiteKind | null {
  const consider = (key: string) => {
    const k = TABLE.hosts.get(key);
    if (k && (best === null || RANK[k] < RANK[best])) best = k;
  };
  consider(host);
  const labels = host.split('.');
  const n = labels.length;
  if (n < 2) return best;
  for (let i = 0; i < n; i++) {
    const saved = labels[i];
    labels[i] = '{}';
    consider(labels.join('.'));
    labels[i] = saved;
  }
  if (n >= 3 && COMBINED_TLD_FIRST.has(labels[n - 2])) consider(`${labels.slice(0, n - 2).join('.')}.{}`);
  return best;
}

/**
 * The kind of a (lowercased) host, or null. Search engines match the host itself or without a
 * leading `www.` — a search engine's other subdomains are other products (docs.google.com is not
 * a search). Social, AI and webmail hosts also match any subdomain (lm.facebook.com,
 * old.reddit.com, uk.mail.yahoo.com). The most specific match wins; equal ones go by precedence.
 */
export const kindOfHost = memoize(kindOfHostUncached, 10_000);

function kindOfHostUncached(host: string): SiteKind | null {
  let h = host.endsWith('.') ? host.slice(0, -1) : host;
  // The host and its www-less twin are one site: of their matches, precedence decides.
  let best = matchLevel(h, null);
  if (h.startsWith('www.')) best = matchLevel(h.slice(4), best);
  if (best) return best;
  // Parent domains: only kinds that hold for subdomains, which have no `{}` patterns.
  for (let dot = h.indexOf('.'); dot >= 0; dot = h.indexOf('.')) {
    h = h.slice(dot + 1);
    if (!h.includes('.')) break;
    const k = TABLE.hosts.get(h);
    if (k && k !== 'search') return k;
  }
  return null;
}

/**
 * The kind of a `utm_source` value: a host (`facebook.com`, `chatgpt.com`) or a name (`google`,
 * `Facebook`, `newsletter`).
 */
export function kindOfSource(source: string): SiteKind | null {
  const s = source.trim().toLowerCase();
  if (s === '') return null;
  const named = TABLE.names.get(s) ?? TABLE.names.get(nameKey(s));
  if (named) return named;
  return /^[a-z0-9.-]+\.[a-z0-9-]+$/.test(s) ? kindOfHost(s) : null;
}

/** Where the vendored list came from, for docs and tests. */
export const LIST_SOURCE = { url: lists.source, commit: lists.commit, licence: lists.licence } as const;
