import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createUserAgentParser, parseUserAgent } from './user-agent.ts';

// Real UA strings of current browsers (as sent in 2025–2026, Chrome's reduced form included).
const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  chromeMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  chromeIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1',
  chromeAndroidReduced:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36',
  chromePixel:
    'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36',
  chromeAndroidTablet:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  ipad: 'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:141.0) Gecko/20100101 Firefox/141.0',
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:141.0) Gecko/20100101 Firefox/141.0',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36 Edg/138.0.3351.95',
  operaGx:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36 OPR/121.0.0.0 (Edition std-2)',
  chromebook:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/138.0.0.0 Safari/537.36',
  playstation:
    'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15',
  windows7:
    'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
  windowsXp: 'Mozilla/5.0 (Windows NT 5.1; rv:52.0) Gecko/20100101 Firefox/52.0',
};

describe('parseUserAgent', () => {
  it.each([
    ['Chrome on Windows', UA.chromeWindows, ['Chrome', '138', 'Windows', '10', 'desktop']],
    // Chrome, Safari and Firefox all freeze macOS at 10.15(.7): the version is unknown, not "10".
    ['Chrome on macOS', UA.chromeMac, ['Chrome', '138', 'macOS', null, 'desktop']],
    ['Safari on macOS', UA.safariMac, ['Safari', '18', 'macOS', null, 'desktop']],
    ['Safari on iPhone', UA.safariIphone, ['Safari', '18', 'iOS', '18', 'mobile']],
    ['Chrome on iPhone', UA.chromeIphone, ['Chrome', '138', 'iOS', '18', 'mobile']],
    // The reduced UA's "Android 10; K" is frozen too; a full one keeps its version.
    ['Chrome on Android (reduced UA)', UA.chromeAndroidReduced, ['Chrome', '138', 'Android', null, 'mobile']],
    ['Chrome on a Pixel', UA.chromePixel, ['Chrome', '138', 'Android', '15', 'mobile']],
    ['Chrome on an Android tablet', UA.chromeAndroidTablet, ['Chrome', '138', 'Android', null, 'tablet']],
    ['Safari on iPad', UA.ipad, ['Safari', '18', 'iOS', '18', 'tablet']],
    ['Samsung Internet', UA.samsung, ['Samsung Internet', '28', 'Android', '14', 'mobile']],
    ['Firefox on Linux', UA.firefoxLinux, ['Firefox', '141', 'Linux', null, 'desktop']],
    ['Firefox on Ubuntu', UA.firefoxUbuntu, ['Firefox', '141', 'Linux', null, 'desktop']],
    ['Edge', UA.edge, ['Edge', '138', 'Windows', '10', 'desktop']],
    ['Opera', UA.operaGx, ['Opera', '121', 'Windows', '10', 'desktop']],
    ['ChromeOS', UA.chromebook, ['Chrome', '138', 'ChromeOS', null, 'desktop']],
    ['HeadlessChrome', UA.headless, ['Chrome Headless', '138', 'Linux', null, 'other']],
    ['a games console', UA.playstation, ['Safari', '13', 'PlayStation', '5', 'other']],
    ['Windows 7', UA.windows7, ['Chrome', '109', 'Windows', '7', 'desktop']],
    ['Windows XP', UA.windowsXp, ['Firefox', '52', 'Windows', 'XP', 'desktop']],
    ['curl', 'curl/8.5.0', [null, null, null, null, 'other']],
    ['python-requests', 'python-requests/2.32.3', [null, null, null, null, 'other']],
    ['an empty UA', '', [null, null, null, null, 'other']],
    ['a blank UA', '   ', [null, null, null, null, 'other']],
  ])('%s', (_, ua, [browser, browser_version, os, os_version, device_type]) => {
    expect(parseUserAgent(ua)).toEqual({ browser, browser_version, os, os_version, device_type });
  });

  it('gives nulls and `other` for a missing UA', () => {
    expect(parseUserAgent(null)).toEqual(parseUserAgent(''));
    expect(parseUserAgent(undefined).device_type).toBe('other');
  });

  it('never throws and keeps names short, whatever the string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (s) => {
        const r = parseUserAgent(s);
        expect(r.browser === null || r.browser.length <= 64).toBe(true);
        expect(r.os === null || r.os.length <= 64).toBe(true);
        expect(['desktop', 'mobile', 'tablet', 'other']).toContain(r.device_type);
      }),
    );
    expect(parseUserAgent(`${UA.chromeWindows}${'x'.repeat(1_000_000)}`).browser).toBe('Chrome');
    expect(parseUserAgent(`Mozilla/5.0 (${'a'.repeat(400)}/1.0`).browser?.length ?? 0).toBeLessThanOrEqual(
      64,
    );
  });
});

describe('createUserAgentParser', () => {
  it('answers like parseUserAgent, and from its memo the second time', () => {
    const parse = createUserAgentParser(2);
    const first = parse(UA.safariIphone);
    expect(first).toEqual(parseUserAgent(UA.safariIphone));
    expect(parse(UA.safariIphone)).toBe(first);
  });

  it('stays bounded: past its size the oldest answer is worked out again, still right', () => {
    const parse = createUserAgentParser(2);
    const a = parse(UA.edge);
    parse(UA.samsung);
    parse(UA.firefoxLinux);
    const again = parse(UA.edge);
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });

  it('treats UAs equal in what ua-parser-js reads (the first 500 characters) as one', () => {
    const parse = createUserAgentParser(10);
    const long = UA.chromeWindows.padEnd(500, ' ');
    expect(parse(`${long}A`)).toBe(parse(`${long}B`));
  });
});
