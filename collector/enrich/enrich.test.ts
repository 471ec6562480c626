import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { StreamRowSchema, V1_COLUMN_NAMES } from '../../schemas/lake.ts';
import { CHROME_UA } from '../testing/user-agents.ts';
import { isBotUserAgent } from './bot.ts';
import { maskIp, normalizeIp } from './ip.ts';
import { enrichHit, eventTime, type HitContext } from './row.ts';
import { stripFragment } from './url.ts';
import { uuidv7 } from './uuid7.ts';
import { createVisitorIdCache, visitorId } from './visitor.ts';

const APP = 'alt_0123456789abcdefghijkl';
const saltA = new Uint8Array(32).fill(1);
const saltB = new Uint8Array(32).fill(2);

describe('IP masking', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['10.0.0.255', '10.0.0.0'],
    ['2001:db8:abcd:1234:5678::1', '2001:db8:abcd::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:0db8:0001:ffff:ffff:ffff:ffff:ffff', '2001:db8:1::'],
    ['::1', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::ffff:198.51.100.23', '198.51.100.0'],
    ['::ffff:c633:6417', '198.51.100.0'],
    ['not an ip', '0.0.0.0'],
    ['', '0.0.0.0'],
  ])('%s → %s', (ip, masked) => {
    expect(maskIp(ip)).toBe(masked);
  });

  it('normalises IPv4-mapped addresses so a visitor hashes the same over v4 and mapped v6', () => {
    expect(normalizeIp('::ffff:198.51.100.23')).toBe('198.51.100.23');
    expect(normalizeIp('2001:db8::1')).toBe(normalizeIp('2001:0db8:0:0:0:0:0:1'));
  });
});

describe('URL, log id', () => {
  it('drops the fragment and keeps the query', () => {
    expect(stripFragment('https://a.example/p?q=1&r=2#token=secret')).toBe('https://a.example/p?q=1&r=2');
    expect(stripFragment('https://a.example/')).toBe('https://a.example/');
    expect(stripFragment(undefined)).toBeNull();
  });

  it('makes UUIDv7 ids: version 7, variant 10, time-ordered, unique', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(Number.parseInt(uuidv7(1_700_000_000_000).replace('-', '').slice(0, 12), 16)).toBe(
      1_700_000_000_000,
    );
  });
});

describe('visitor id', () => {
  it('is stable for the same salt, app, IP and UA, and changes with any of them', () => {
    const v = visitorId(saltA, APP, '203.0.113.77', CHROME_UA);
    expect(v).toMatch(/^[0-9a-f]{32}$/);
    expect(visitorId(saltA, APP, '203.0.113.77', CHROME_UA)).toBe(v);
    expect(visitorId(saltB, APP, '203.0.113.77', CHROME_UA)).not.toBe(v);
    expect(visitorId(saltA, 'alt_0123456789abcdefghijkm', '203.0.113.77', CHROME_UA)).not.toBe(v);
    // Uses the full address: two visitors in one /24 stay apart.
    expect(visitorId(saltA, APP, '203.0.113.78', CHROME_UA)).not.toBe(v);
    expect(visitorId(saltA, APP, '203.0.113.77', `${CHROME_UA} Edg/1`)).not.toBe(v);
  });

  it('memoised: the same ids as visitorId, for every input, across salt changes, expiry and a full map', () => {
    const cached = createVisitorIdCache({ maxEntries: 2, ttlMs: 1000 });
    const cases: [Uint8Array, string, string, string, number][] = [
      [saltA, APP, '203.0.113.77', CHROME_UA, 0],
      [saltA, APP, '203.0.113.77', CHROME_UA, 10],
      [saltB, APP, '203.0.113.77', CHROME_UA, 20],
      [saltA, APP, '203.0.113.77', CHROME_UA, 30],
      [saltA, APP, '203.0.113.78', CHROME_UA, 40],
      [saltA, APP, '203.0.113.79', CHROME_UA, 50],
      [saltA, 'alt_0123456789abcdefghijkm', '203.0.113.77', CHROME_UA, 60],
      [saltA, APP, '203.0.113.77', `${CHROME_UA} Edg/1`, 5000],
      [saltA, APP, '::ffff:203.0.113.77', CHROME_UA, 5010],
      [saltA, APP, '203.0.113.77', CHROME_UA, 0],
    ];
    for (const [salt, app, ip, ua, at] of cases) {
      expect(cached(salt, app, ip, ua, at)).toBe(visitorId(salt, app, ip, ua));
    }
  });
});

describe('bot detection', () => {
  it.each([
    ['', true],
    ['   ', true],
    ['Googlebot/2.1 (+http://www.google.com/bot.html)', true],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
      true,
    ],
    ['Mozilla/5.0 PhantomJS/2.1.1', true],
    ['curl/8.5.0', true],
    ['python-requests/2.31.0', true],
    ['Wget/1.21', true],
    [CHROME_UA, false],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      false,
    ],
  ])('%j → %s', (ua, bot) => {
    expect(isBotUserAgent(ua)).toBe(bot);
  });
});

describe('enrichHit', () => {
  const received = new Date('2026-03-01T12:00:00.000Z');
  const ctx = (over: Partial<HitContext> = {}): HitContext => ({
    source: 'beacon',
    receivedAt: received,
    ip: '203.0.113.77',
    userAgent: CHROME_UA,
    salt: saltA,
    botPolicy: 'drop',
    ...over,
  });
  const validate = new Ajv({ strict: false }).compile(StreamRowSchema);

  it('makes a complete, valid lake row with every column in order', () => {
    const e = enrichHit(
      {
        app_id: APP,
        event_type: 'pageview',
        url: 'https://a.example/x?y=1#f',
        status_code: 404,
        metadata: { ab: 'b' },
      },
      undefined,
      ctx(),
    );
    expect(e.kind).toBe('store');
    // The version-1 columns in order, then `country` (the Web Vitals only on web_vitals events).
    expect(Object.keys(e.row)).toEqual([...V1_COLUMN_NAMES, 'country']);
    expect(validate(e.row)).toBe(true);
    expect(e.row).toMatchObject({
      app_id: APP,
      source: 'beacon',
      url: 'https://a.example/x?y=1',
      client_ip: '203.0.113.0',
      status_code: 404,
      status: null,
      metadata: '{"ab":"b"}',
      is_bot: false,
      schema_version: 2,
      country: null,
      timestamp: '2026-03-01T12:00:00.000Z',
      received_at: '2026-03-01T12:00:00.000Z',
    });
    expect(JSON.stringify(e.row)).not.toContain('203.0.113.77');
  });

  it('looks the country up from the full address, keeping only an alpha-2 answer', () => {
    const asked: string[] = [];
    const countries = (answer: string | null) => ({
      lookup: (ip: string) => {
        asked.push(ip);
        return answer;
      },
    });
    const pv = { app_id: APP, event_type: 'pageview' as const, url: 'https://a.example/' };
    expect(enrichHit(pv, undefined, ctx({ countries: countries('NZ') })).row).toMatchObject({
      country: 'NZ',
      client_ip: '203.0.113.0',
    });
    expect(asked).toEqual(['203.0.113.77']);
    for (const junk of ['nz', 'NZL', '', 'N1']) {
      expect(enrichHit(pv, undefined, ctx({ countries: countries(junk) })).row.country).toBeNull();
    }
    expect(enrichHit(pv, undefined, ctx()).row.country).toBeNull();
  });

  it('copies the Web Vitals onto web_vitals events only, leaving the other rows without the keys', () => {
    const vitals = { lcp_ms: 2400, cls: 0.1 };
    const wv = enrichHit(
      { app_id: APP, event_type: 'event', event_name: 'web_vitals', ...vitals },
      undefined,
      ctx(),
    ).row;
    expect(wv).toMatchObject(vitals);
    expect(Object.keys(wv)).not.toContain('inp_ms');
    const other = enrichHit(
      { app_id: APP, event_type: 'event', event_name: 'signup', ...vitals },
      undefined,
      ctx(),
    );
    expect(Object.keys(other.row)).not.toContain('lcp_ms');
  });

  it('keeps client timestamps inside [-24 h, +5 min] of arrival and replaces others by arrival', () => {
    const r = received.getTime();
    expect(eventTime(r - 23 * 3600_000, r)).toBe(r - 23 * 3600_000);
    expect(eventTime(r + 4 * 60_000, r)).toBe(r + 4 * 60_000);
    expect(eventTime(r - 25 * 3600_000, r)).toBe(r);
    expect(eventTime(r + 6 * 60_000, r)).toBe(r);
    expect(eventTime(undefined, r)).toBe(r);
  });

  it('applies the bot policy: drop → kept out of the lake, keep → stored with is_bot', () => {
    const hit = { app_id: APP, event_type: 'event' as const };
    const dropped = enrichHit(hit, undefined, ctx({ userAgent: 'curl/8.0' }));
    expect(dropped.kind).toBe('drop_bot');
    expect(dropped.row.is_bot).toBe(true);
    const kept = enrichHit(hit, undefined, ctx({ userAgent: 'curl/8.0', botPolicy: 'keep' }));
    expect(kept).toMatchObject({ kind: 'store', row: { is_bot: true } });
  });

  it('on /v1/batch takes log_id, client_ip and user_agent from the hit', () => {
    const e = enrichHit(
      {
        app_id: APP,
        event_type: 'request',
        log_id: '0190B7A0-0000-7000-8000-000000000001',
        client_ip: '2001:db8:1:2::5',
        user_agent: CHROME_UA,
      },
      undefined,
      ctx({ source: 'server', userAgent: 'backend/1.0', ip: '10.1.1.1' }),
    );
    expect(e.row).toMatchObject({
      log_id: '0190b7a0-0000-7000-8000-000000000001',
      client_ip: '2001:db8:1::',
      user_agent: CHROME_UA,
      source: 'server',
      is_bot: false,
      visitor_id: visitorId(saltA, APP, '2001:db8:1:2::5', CHROME_UA),
    });
    // Without a client UA the backend's own UA is recorded but is not judged a bot.
    const own = enrichHit(
      { app_id: APP, event_type: 'request' },
      undefined,
      ctx({ source: 'server', userAgent: 'backend/1.0' }),
    );
    expect(own).toMatchObject({ kind: 'store', row: { is_bot: false, user_agent: 'backend/1.0' } });
  });
});
