/**
 * What a site owner sees arrive at the collector when the snippet runs in a real browser:
 * pageviews with Navigation Timing, SPA navigations without double counting, custom events,
 * calls queued before load, sub/module ids, sessions and DNT. Hits are asserted as the real
 * collector stored them: enriched lake rows, absent fields null.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LakeRow } from '../../schemas/lake.ts';
import { type Harness, startHarness } from './helpers/harness.ts';

let h: Harness;
/** A second app on the same site, for a sentinel page. */
let OTHER_APP: string;

beforeAll(async () => {
  h = await startHarness();
  OTHER_APP = await h.collector.createApp({ origins: [h.site.url] });
  h.site.route('/basic', { fixture: 'basic.html' });
  h.site.route('/next', { fixture: 'basic.html' });
  h.site.route('/missing', { fixture: 'basic.html', status: 404 });
  h.site.route('/spa', { fixture: 'basic.html', snippet: { sub: 'tenant-7', module: 'shell' } });
  h.site.route('/queue', { fixture: 'queue.html' });
  h.site.route('/session', { fixture: 'basic.html', snippet: { session: true } });
  h.site.route('/dnt', { fixture: 'basic.html', snippet: { respectDnt: true } });
  h.site.route('/dnt-ignored', { fixture: 'basic.html' });
  h.site.route('/sentinel', { fixture: 'basic.html', snippet: { appId: OTHER_APP } });
});

afterAll(async () => {
  await h?.close();
});

/** Hits whose url path starts with `prefix` (each test uses its own paths). */
const under = (hits: LakeRow[], prefix: string) =>
  hits.filter((x) => x.url && new URL(x.url).pathname.startsWith(prefix));

describe('beacon in chromium', () => {
  it('sends a pageview on load with url, referrer, status 200 and response time, as text/plain', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/basic?utm=a#top`);
    await h.collector.waitFor((hits) => under(hits, '/basic').length === 1);
    await page.click('#next');
    const hits = await h.collector.waitFor((all) => under(all, '/next').length === 1);

    const [first] = under(hits, '/basic');
    // As stored: fragment gone, server-side fields filled in, the address masked to its /24.
    expect(first).toMatchObject({
      app_id: h.site.appId,
      event_type: 'pageview',
      source: 'beacon',
      url: `${h.site.url}/basic?utm=a`,
      referrer: null,
      status_code: 200,
      user_agent: h.userAgent,
      client_ip: '127.0.0.0',
      session_id: null,
      is_bot: false,
    });
    expect(first.timestamp).toBe(first.received_at); // the beacon sends no clock: arrival time
    expect(Number.isInteger(first.response_time_ms)).toBe(true);
    expect(first.response_time_ms).toBeGreaterThanOrEqual(0);
    const [next] = under(hits, '/next');
    expect(next).toMatchObject({
      event_type: 'pageview',
      referrer: `${h.site.url}/basic?utm=a`,
      status_code: 200,
    });
    // Cookieless, yet the same visitor on both pages (same day, address and browser).
    expect(next.visitor_id).toBe(first.visitor_id);
    expect(next.log_id).not.toBe(first.log_id);

    // The page ran the beacon build the collector itself served (the snippet's hashed, SRI-checked URL).
    expect(h.collector.requests()).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/${h.manifest.file}`, status: 200 }),
    );
    const req = h.collector.requests().find((r) => r.hits.some((x) => x.url?.includes('/basic')))!;
    expect(req.status).toBe(202);
    expect(req.headers['content-type']).toMatch(/^text\/plain/);
    expect(req.headers.origin).toBe(h.site.url);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reports the HTTP status of an error page (404) from Navigation Timing', async () => {
    const { page } = await h.newPage();
    await page.goto(`${h.site.url}/missing`);
    const hits = await h.collector.waitFor((all) => under(all, '/missing').length === 1);
    expect(under(hits, '/missing')[0]).toMatchObject({ event_type: 'pageview', status_code: 404 });
    await page.close();
  });

  it('counts SPA navigations (push, replace, back) once each, with the previous view as referrer', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/spa`);
    await h.collector.waitFor((all) => under(all, '/spa').length === 1);
    await page.evaluate(() => {
      history.pushState({}, '', '/spa/a');
      history.replaceState({ same: true }, '', '/spa/a'); // same URL: not a new view
      history.pushState({}, '', '/spa/a#section'); // fragment only: not a new view
      history.replaceState({}, '', '/spa/b'); // redirect-style replace: a new view
    });
    await h.collector.waitFor((all) => under(all, '/spa').length === 3);
    await page.goBack(); // popstate back to /spa/a#section → /spa/a
    const hits = await h.collector.waitFor((all) => under(all, '/spa').length === 4);

    const views = under(hits, '/spa');
    expect(views.map((v) => new URL(v.url!).pathname)).toEqual(['/spa', '/spa/a', '/spa/b', '/spa/a']);
    expect(views.every((v) => v.event_type === 'pageview')).toBe(true);
    expect(views[1].referrer).toBe(`${h.site.url}/spa`);
    expect(views[3].referrer).toBe(`${h.site.url}/spa/b`);
    // Navigation Timing belongs to the document load only.
    expect(views[1].status_code).toBeNull();
    expect(views[1].response_time_ms).toBeNull();
    // data-sub / data-module reach every hit.
    expect(views.every((v) => v.client_sub_id === 'tenant-7' && v.module_id === 'shell')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends custom events with status, status_code and metadata, batched within a tick', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/spa/events`);
    await h.collector.waitFor((all) => under(all, '/spa/events').length === 1);
    await page.evaluate(() => {
      const alt = (window as unknown as { alt: (...a: unknown[]) => void }).alt;
      alt('event', 'checkout', {
        status: 'SUCCEEDED',
        status_code: 201,
        response_time_ms: 84.6,
        module_id: 'cart',
        request_id: 'req-42',
        metadata: { plan: 'pro', ab: ['B'] },
        colour: 'red', // unknown option: never sent (the collector would refuse the whole request)
      });
      alt('event', 'payment', { status: 'FAILED', status_code: 502, metadata: null });
      alt('event'); // no name: ignored
      alt('unknown-command', 1, 2);
    });
    const hits = await h.collector.waitFor((all) => all.filter((x) => x.event_type === 'event').length >= 2);
    const events = under(hits, '/spa/events').filter((x) => x.event_type === 'event');

    // Whole lake rows: what the page gave, what the server added, and null for the rest.
    const stored = {
      log_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/),
      source: 'beacon',
      timestamp: expect.any(String),
      received_at: expect.any(String),
      referrer: null,
      user_agent: h.userAgent,
      client_ip: '127.0.0.0',
      session_id: null,
      visitor_id: expect.any(String),
      is_bot: false,
      schema_version: 2,
      // No country database in the test collector: unknown.
      country: null,
    };
    expect(events).toEqual([
      {
        ...stored,
        app_id: h.site.appId,
        event_type: 'event',
        event_name: 'checkout',
        url: `${h.site.url}/spa/events`,
        client_sub_id: 'tenant-7',
        module_id: 'cart',
        status: 'SUCCEEDED',
        status_code: 201,
        response_time_ms: 84, // integers on the wire
        request_id: 'req-42',
        metadata: '{"plan":"pro","ab":["B"]}', // JSON text in the lake
      },
      {
        ...stored,
        app_id: h.site.appId,
        event_type: 'event',
        event_name: 'payment',
        url: `${h.site.url}/spa/events`,
        client_sub_id: 'tenant-7',
        module_id: 'shell',
        status: 'FAILED',
        status_code: 502,
        response_time_ms: null,
        request_id: null,
        metadata: null,
      },
    ]);
    // Both events left in one request.
    const batch = h.collector.requests().find((r) => r.hits.some((x) => x.event_name === 'checkout'))!;
    expect(batch.hits.map((x) => x.event_name)).toEqual(['checkout', 'payment']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('replays calls made before the script loaded, after the automatic pageview', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/queue`);
    const hits = await h.collector.waitFor((all) => under(all, '/queue').length === 3);
    expect(under(hits, '/queue').map((x) => [x.event_type, x.event_name, x.status])).toEqual([
      ['pageview', null, null],
      ['event', 'before_load', 'RUNNING'],
      ['event', 'before_load_2', 'SUCCEEDED'],
    ]);
    expect(await page.evaluate(() => typeof (window as unknown as { alt: { q?: unknown } }).alt.q)).toBe(
      'undefined',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps one session_id per tab only when data-session="true", in sessionStorage', async () => {
    const { page } = await h.newPage();
    await page.goto(`${h.site.url}/session`);
    await h.collector.waitFor((all) => under(all, '/session').length === 1);
    await page.reload();
    await page.evaluate(() => history.pushState({}, '', '/session/x'));
    const hits = await h.collector.waitFor((all) => under(all, '/session').length === 3);
    const ids = new Set(under(hits, '/session').map((x) => x.session_id));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(id).toMatch(/^[0-9]{8,}$/);
    expect(await page.evaluate(() => sessionStorage.getItem('alt_sid'))).toBe(id);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    // Without the attribute no hit carries a session id.
    expect(hits.filter((x) => !x.url?.includes('/session')).every((x) => x.session_id === null)).toBe(true);
    await page.close();
  });

  it('sends nothing under Global Privacy Control when the site sets data-respect-dnt, and tracks otherwise', async () => {
    const gpc = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });`;
    const { page, errors } = await h.newPage({ script: gpc });
    await page.goto(`${h.site.url}/dnt`);
    await page.evaluate(() => {
      const alt = (window as unknown as { alt: (...a: unknown[]) => void }).alt;
      alt('event', 'ignored');
      history.pushState({}, '', '/dnt/x');
      alt('stop');
    });
    await page.goto(`${h.site.url}/dnt-ignored`); // same visitor, site without the attribute
    // The page loaded after the DNT page is seen; by then the DNT page would have sent its hits.
    await page.goto(`${h.site.url}/sentinel`);
    const hits = await h.collector.waitFor((all) => all.some((x) => x.app_id === OTHER_APP));
    expect(under(hits, '/dnt-ignored')).toHaveLength(1);
    expect(
      under(hits, '/dnt/').concat(
        under(hits, '/dnt?'),
        hits.filter((x) => x.url === `${h.site.url}/dnt`),
      ),
    ).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
