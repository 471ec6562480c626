/**
 * The collector's live tap as the console's live view sees it: one decision per hit accepted or
 * dropped as a bot, one per refused request with its code and the JSON pointers of what was wrong,
 * and nothing at all while nobody is subscribed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveTap, type LiveHit } from './live.ts';
import { type Harness, startHarness } from './testing/harness.ts';

const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const tap = createLiveTap();
let h: Harness;
let appId: string;

beforeAll(async () => {
  h = await startHarness({ live: tap });
  appId = (await h.createApp({ origins: ['https://shop.example'], botPolicy: 'drop' })).app.appId;
});
afterAll(() => h.close());

const post = (body: unknown, ua = BROWSER_UA, origin = 'https://shop.example') =>
  h.app.inject({
    method: 'POST',
    url: '/v1/hits',
    headers: { 'content-type': 'application/json', 'user-agent': ua, origin },
    payload: JSON.stringify(body),
  });

describe('the live tap', () => {
  it('tells nothing while nobody is subscribed', async () => {
    const seen: LiveHit[] = [];
    const off = tap.subscribe((x) => seen.push(x));
    off();
    expect(tap.active).toBe(false);
    expect(
      (await post({ app_id: appId, event_type: 'pageview', url: 'https://shop.example/' })).statusCode,
    ).toBe(202);
    expect(seen).toEqual([]);
  });

  it('tells each accepted and bot-dropped hit, and each refused request with code and pointers', async () => {
    const seen: LiveHit[] = [];
    const off = tap.subscribe((x) => seen.push(x));
    try {
      await post([
        { app_id: appId, event_type: 'pageview', url: 'https://shop.example/a' },
        { app_id: appId, event_type: 'event', url: 'https://shop.example/a' },
      ]);
      await post({ app_id: appId, event_type: 'pageview', url: 'https://shop.example/b' }, BOT_UA);
      await post(
        { app_id: appId, event_type: 'pageview', url: 'https://shop.example/c' },
        BROWSER_UA,
        'https://other.example',
      );
      await post([
        { app_id: appId, event_type: 'pageview', url: 'https://shop.example/' },
        { app_id: appId, event_type: 'pageview', url: 'nope' },
      ]);
    } finally {
      off();
    }
    expect(seen.map((x) => [x.outcome, x.event_type, x.url, x.code, x.http_status])).toEqual([
      ['accepted', 'pageview', 'https://shop.example/a', undefined, 202],
      ['accepted', 'event', 'https://shop.example/a', undefined, 202],
      ['dropped_bot', 'pageview', 'https://shop.example/b', undefined, 202],
      ['refused', 'pageview', 'https://shop.example/c', 'origin_not_allowed', 403],
      ['refused', 'pageview', 'https://shop.example/', 'invalid_hit', 400],
    ]);
    expect(seen.every((x) => x.app_id === appId)).toBe(true);
    expect(seen[4].details).toEqual([
      { index: 1, pointer: '/url', message: expect.stringMatching(/absolute http/) },
    ]);
  });
});
