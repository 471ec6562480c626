/**
 * User-Agent → browser, OS and device class (DESIGN §3, schema v2), with ua-parser-js 1.x (MIT;
 * 2.x is AGPL, so the version is pinned). Its names are mapped onto the short list an analyst
 * groups by (docs/enrichment.md has the table and the reasons); everything else it reports is
 * kept as it says. Never throws: an empty or unrecognised UA gives nulls and `other`.
 */
import UAParser from 'ua-parser-js';
import { memoize } from './memo.ts';

export const DEVICE_TYPES = ['desktop', 'mobile', 'tablet', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export interface UserAgentFields {
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  os_version: string | null;
  device_type: DeviceType;
}

/** ua-parser-js reads only this much of a UA (its UA_MAX_LENGTH); the memo keys on the same. */
export const UA_PARSED_LENGTH = 500;
/** Names come from text in the UA for some rules; a garbage UA must not make a garbage column. */
const MAX_NAME_LENGTH = 64;

/**
 * ua-parser-js browser names (lowercased) → the family name stored. Variants of one browser on
 * another platform are one family to an analyst; the device column says which platform.
 */
const BROWSER_NAMES: Record<string, string> = {
  chrome: 'Chrome',
  firefox: 'Firefox',
  safari: 'Safari',
  'mobile safari': 'Safari',
  edge: 'Edge',
  opera: 'Opera',
  'opera gx': 'Opera',
  'opera touch': 'Opera',
  'opera coast': 'Opera',
  'samsung internet': 'Samsung Internet',
};

/** ua-parser-js OS names (lowercased) → the name stored; Linux distributions are all `Linux`. */
const OS_NAMES: Record<string, string> = {
  windows: 'Windows',
  'mac os': 'macOS',
  ios: 'iOS',
  android: 'Android',
  'chromium os': 'ChromeOS',
  linux: 'Linux',
  ...Object.fromEntries(
    [
      'ubuntu',
      'kubuntu',
      'xubuntu',
      'lubuntu',
      'debian',
      'suse',
      'opensuse',
      'gentoo',
      'arch',
      'slackware',
      'fedora',
      'mandriva',
      'centos',
      'pclinuxos',
      'red hat',
      'redhat',
      'zenwalk',
      'linpus',
      'raspbian',
      'deepin',
      'manjaro',
      'elementary os',
      'sabayon',
      'linspire',
      'mint',
      'mageia',
      'vectorlinux',
    ].map((d) => [d, 'Linux']),
  ),
};

/** Operating systems whose UAs without a device type are desktops (and laptops). */
const DESKTOP_OSES = new Set(['Windows', 'macOS', 'Linux', 'ChromeOS']);

/**
 * Chrome's UA reduction freezes these values whatever the real system is, so storing them would
 * report every Mac as macOS 10 and every Android phone as Android 10: NULL is the honest answer.
 * Safari and Firefox freeze macOS at 10.15 too. (Windows 11 also says `NT 10.0`; there `10`
 * stays, since it is at least the right family — docs/enrichment.md says so.)
 */
function frozenOsVersion(os: string, version: string, ua: string): boolean {
  if (os === 'macOS') return version.startsWith('10.15');
  if (os === 'ChromeOS') return true;
  // Reduced Android UA: "Linux; Android 10; K)"
  if (os === 'Android') return version === '10' && ua.includes('; K)');
  return false;
}

const clean = (name: string | undefined): string | null =>
  name ? name.trim().slice(0, MAX_NAME_LENGTH) || null : null;

function browserName(name: string | undefined): string | null {
  const n = clean(name);
  return n === null ? null : (BROWSER_NAMES[n.toLowerCase()] ?? n);
}

function osName(name: string | undefined): string | null {
  const n = clean(name);
  return n === null ? null : (OS_NAMES[n.toLowerCase()] ?? n);
}

/** `18.5` → `18`; `XP`/`Vista` stay (they are Windows' version names); anything else → NULL. */
function majorOf(version: string | undefined): string | null {
  if (!version) return null;
  const digits = /^\d{1,8}/.exec(version);
  if (digits) return digits[0];
  return /^[A-Za-z]{2,10}$/.test(version) ? version : null;
}

function deviceType(
  parserType: string | undefined,
  browser: string | null,
  os: string | null,
  ua: string,
): DeviceType {
  // Automation, not a person at a desktop.
  if (browser !== null && /headless/i.test(browser)) return 'other';
  if (parserType === 'mobile' || parserType === 'tablet') return parserType;
  // Consoles, smart TVs, wearables, embedded devices, XR headsets.
  if (parserType !== undefined) return 'other';
  // Android's own convention: phones say "Mobile", tablets do not.
  if (os === 'Android') return /\bMobile\b/.test(ua) ? 'mobile' : 'tablet';
  if (os === 'iOS') return 'mobile';
  if (os !== null && DESKTOP_OSES.has(os)) return 'desktop';
  // A browser on an unknown system is most likely a desktop one; nothing recognised at all
  // (curl, scripts, an empty UA) is not a device anyone browses with.
  return browser !== null ? 'desktop' : 'other';
}

const NOTHING: UserAgentFields = Object.freeze({
  browser: null,
  browser_version: null,
  os: null,
  os_version: null,
  device_type: 'other',
});

/** Parses one UA, unmemoised. */
export function parseUserAgent(ua: string | null | undefined): UserAgentFields {
  if (typeof ua !== 'string' || ua.trim() === '') return NOTHING;
  try {
    const r = new UAParser(ua.slice(0, UA_PARSED_LENGTH)).getResult();
    const browser = browserName(r.browser.name);
    const os = osName(r.os.name);
    const osVersion =
      os !== null && r.os.version && !frozenOsVersion(os, r.os.version, ua) ? r.os.version : '';
    return Object.freeze({
      browser,
      browser_version: browser === null ? null : majorOf(r.browser.major),
      os,
      os_version: majorOf(osVersion),
      device_type: deviceType(r.device.type, browser, os, ua),
    });
  } catch {
    return NOTHING;
  }
}

/**
 * `parseUserAgent` memoised per distinct UA (bounded: a batch holds few distinct UAs, a long run
 * many). The results are frozen and shared: callers copy fields, never mutate.
 */
export function createUserAgentParser(
  maxEntries = 2_000,
): (ua: string | null | undefined) => UserAgentFields {
  const memo = memoize(parseUserAgent, maxEntries);
  return (ua) => (typeof ua === 'string' ? memo(ua.slice(0, UA_PARSED_LENGTH)) : NOTHING);
}
