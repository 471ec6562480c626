import { describe, expect, it } from 'vitest';
import { createEnricher, type EnrichInput, enrichHit } from './index.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';
const GOOGLEBOT =
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.7204.157 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const row = (over: Partial<EnrichInput> = {}): EnrichInput => ({
  url: 'https://Shop.Example.com/sale?utm_source=instagram&utm_medium=paid&utm_campaign=summer',
  referrer: 'https://l.instagram.com/',
  user_agent: IPHONE,
  is_bot: false,
  ...over,
});

describe('enrichHit', () => {
  it('derives every v2 column, in the lake order, from the stored ones', () => {
    const e = enrichHit(row());
    expect(Object.keys(e)).toEqual([
      'browser',
      'browser_version',
      'os',
      'os_version',
      'device_type',
      'url_host',
      'url_path',
      'referrer_host',
      'channel',
      'utm_source',
      'utm_medium',
      'utm_campaign',
      'utm_term',
      'utm_content',
    ]);
    expect(e).toEqual({
      browser: 'Safari',
      browser_version: '18',
      os: 'iOS',
      os_version: '18',
      device_type: 'mobile',
      url_host: 'shop.example.com',
      url_path: '/sale',
      referrer_host: 'l.instagram.com',
      channel: 'paid_social',
      utm_source: 'instagram',
      utm_medium: 'paid',
      utm_campaign: 'summer',
      utm_term: null,
      utm_content: null,
    });
  });

  it('puts a hit the collector called a bot in device type `other`, whatever its UA claims', () => {
    expect(enrichHit(row({ user_agent: GOOGLEBOT, is_bot: false })).device_type).toBe('mobile');
    const bot = enrichHit(row({ user_agent: GOOGLEBOT, is_bot: true }));
    expect(bot.device_type).toBe('other');
    expect(bot.browser).toBe('Chrome');
  });

  it('handles a server hit with no URL, no referrer and an empty UA', () => {
    expect(enrichHit(row({ url: null, referrer: null, user_agent: '', is_bot: true }))).toMatchObject({
      browser: null,
      device_type: 'other',
      url_host: null,
      url_path: null,
      referrer_host: null,
      channel: 'direct',
      utm_source: null,
    });
  });

  it('gives the same answer from a fresh enricher as from a warm one (the memos change nothing)', () => {
    const rows = [
      row(),
      row({ referrer: 'https://www.google.com/', url: 'https://shop.example.com/' }),
      row({ referrer: 'https://shop.example.com/', url: 'https://shop.example.com/cart' }),
      row({ referrer: `https://example.org/${'p'.repeat(600)}` }),
    ];
    const warm = createEnricher({ userAgents: 1 });
    const first = rows.map(warm);
    const second = rows.map(warm);
    expect(second).toEqual(first);
    expect(rows.map((r) => createEnricher()(r))).toEqual(first);
  });

  it('returns a fresh object per row, so a caller may add to it', () => {
    const a = enrichHit(row());
    const b = enrichHit(row());
    expect(a).not.toBe(b);
    (a as unknown as Record<string, unknown>).extra = 1;
    expect(b).not.toHaveProperty('extra');
  });
});
