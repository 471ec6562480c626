/**
 * The Web Vitals add-on in a real Chromium: a fixture page with a real layout shift (a banner
 * inserted after load, no input) and a real slow interaction (a click whose handler busy-waits
 * 150 ms). The page measures the same metrics with its own PerformanceObservers; the add-on's
 * `web_vitals` hit must report what the browser reported to the page.
 *
 * Assertions are on what the page sent (the collector's request log, `sent`), that the collector
 * took it (202), and, for the first case, on the row it stored for the lake. No console error is
 * tolerated: a refused request would log one.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LakeRow } from '../../schemas/lake.ts';
import type { ReceivedRequest } from './helpers/collector.ts';
import { type Harness, startHarness } from './helpers/harness.ts';

type Sent = Record<string, unknown>;
type Own = {
  shifts: number[];
  interactions: Record<string, number>;
  lcp?: number;
  fcp?: number;
  ttfb: number;
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  h.site.route('/vitals', { fixture: 'vitals.html', snippet: { vitals: true } });
  h.site.route('/vitals-spa', { fixture: 'vitals.html', snippet: { vitals: true } });
  h.site.route('/plain', { fixture: 'vitals.html' });
  h.site.route('/vitals-first', { fixture: 'vitals.html', snippet: { vitals: true } });
  h.site.route('/vitals-away', { fixture: 'blank.html' });
});

afterAll(async () => {
  await h?.close();
});

/** Every hit the pages sent to `/v1/hits`, with the request that carried it. */
const sentHits = () =>
  h.collector.requests().flatMap((request) => request.sent.map((hit) => ({ hit, request })));

const vitalsUnder = (path: string) =>
  sentHits().filter(
    ({ hit }) => hit.event_name === 'web_vitals' && new URL(String(hit.url)).pathname === path,
  );

/** Polls the request log (what the page sent, with the collector's answer to it). */
async function until<T>(what: string, get: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > end)
      throw new Error(`not seen in ${timeoutMs} ms: ${what}; sent: ${JSON.stringify(sentHits())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Loads the fixture, waits for its layout shift, clicks the busy button; returns the page's own measurements. */
async function shiftAndInteract(page: Page): Promise<Own> {
  await page.waitForFunction(() => (window as unknown as { own: Own }).own.shifts.length > 0);
  await page.click('#busy');
  await page.waitForFunction(
    () => Object.keys((window as unknown as { own: Own }).own.interactions).length > 0,
  );
  return page.evaluate(() => {
    const own = (window as unknown as { own: Own }).own;
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { ...own, ttfb: nav.responseStart };
  });
}

/** What the add-on must have sent for the page's own measurements (one session window: the sum). */
function expectMatches(sent: Sent, own: Own): void {
  const cls = own.shifts.reduce((a, b) => a + b, 0);
  const inp = Math.max(...Object.values(own.interactions));
  expect(cls).toBeGreaterThan(0);
  expect(sent.cls).toBeCloseTo(cls, 4);
  expect(sent.inp_ms).toBe(Math.round(inp));
  expect(sent.inp_ms).toBeGreaterThanOrEqual(150); // the handler's busy wait
  expect(sent.lcp_ms).toBe(Math.round(own.lcp!));
  expect(sent.fcp_ms).toBe(Math.round(own.fcp!));
  expect(sent.ttfb_ms).toBe(Math.round(own.ttfb));
  expect(sent.lcp_ms as number).toBeGreaterThanOrEqual(sent.fcp_ms as number);
  expect(sent.fcp_ms as number).toBeGreaterThanOrEqual(sent.ttfb_ms as number);
  expect(sent.ttfb_ms as number).toBeGreaterThanOrEqual(0);
}

describe('Web Vitals add-on in chromium', () => {
  it('sends one web_vitals event when the page is left, with what the browser reported to the page', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/vitals?from=test#frag`);
    const own = await shiftAndInteract(page);
    // A real navigation away (not a click: that would be one more interaction): the page is hidden.
    await page.goto(`${h.site.url}/vitals-away`);
    const [{ hit, request }] = await until('web_vitals for /vitals', () => {
      const found = vitalsUnder('/vitals');
      return found.length ? found : undefined;
    });

    expect(Object.keys(hit).sort()).toEqual(
      ['app_id', 'event_type', 'event_name', 'url', 'cls', 'inp_ms', 'lcp_ms', 'fcp_ms', 'ttfb_ms'].sort(),
    );
    // Through the core's transport: its app id, its URL rules (fragment dropped), its endpoint.
    expect(hit).toMatchObject({
      app_id: h.site.appId,
      event_type: 'event',
      event_name: 'web_vitals',
      url: `${h.site.url}/vitals?from=test`,
    });
    expect(request.headers['content-type']).toMatch(/^text\/plain/);
    expect(request.status, request.error).toBe(202);
    expectMatches(hit, own);
    // The lake row has the metrics as sent (schema 2 columns; absent ones NULL).
    const isIt = (r: LakeRow) => r.event_name === 'web_vitals' && r.url === hit.url;
    const stored = (await h.collector.waitFor((rows) => rows.some(isIt))).find(isIt);
    expect(stored).toMatchObject({
      event_type: 'event',
      lcp_ms: hit.lcp_ms,
      inp_ms: hit.inp_ms,
      fcp_ms: hit.fcp_ms,
      ttfb_ms: hit.ttfb_ms,
      cls: hit.cls,
    });

    // The add-on was fetched from its hashed, SRI-pinned URL; once per view: nothing else for it.
    expect(h.collector.requests()).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/${h.manifest.vitals.file}`, status: 200 }),
    );
    await page.goto(`${h.site.url}/vitals-away?again`);
    await page.close();
    expect(vitalsUnder('/vitals')).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('on an SPA route change sends the old view (with its URL), then the next view on leaving', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/vitals-spa`);
    const own = await shiftAndInteract(page);
    await page.evaluate(() => history.pushState({}, '', '/vitals-spa/next'));

    const [first] = await until('web_vitals for /vitals-spa', () => {
      const found = vitalsUnder('/vitals-spa');
      return found.length ? found : undefined;
    });
    expectMatches(first.hit, own);
    expect(first.request.status, first.request.error).toBe(202);
    // Queued before the new view's pageview, and left in the same request.
    const order = (r: ReceivedRequest) =>
      r.sent.map((x) => [x.event_type, x.event_name, new URL(String(x.url)).pathname]);
    expect(order(first.request)).toEqual([
      ['event', 'web_vitals', '/vitals-spa'],
      ['pageview', undefined, '/vitals-spa/next'],
    ]);

    // The new view: no shift, no interaction, no document load of its own.
    await page.goto(`${h.site.url}/vitals-away`);
    const [second] = await until('web_vitals for /vitals-spa/next', () => {
      const found = vitalsUnder('/vitals-spa/next');
      return found.length ? found : undefined;
    });
    expect(second.hit).toEqual({
      app_id: h.site.appId,
      event_type: 'event',
      event_name: 'web_vitals',
      url: `${h.site.url}/vitals-spa/next`,
      cls: 0,
    });
    expect(second.request.status, second.request.error).toBe(202);
    expect(vitalsUnder('/vitals-spa')).toHaveLength(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works when the add-on runs before the beacon (the two async scripts race)', async () => {
    const { page, context, errors } = await h.newPage();
    // Hold the beacon's response until the add-on has run and queued itself through the stub.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await context.route(`**/${h.manifest.file}`, async (route) => {
      await released;
      await route.continue();
    });
    const loading = page.goto(`${h.site.url}/vitals-first`);
    await page.waitForResponse((r) => r.url().endsWith(h.manifest.vitals.file));
    await page.waitForFunction(() => {
      const alt = (window as unknown as { alt: { v?: number; q?: unknown[][] } }).alt;
      return !alt.v && (alt.q || []).some((args) => typeof args[0] === 'function');
    });
    release();
    await loading;
    const own = await shiftAndInteract(page);
    await page.goto(`${h.site.url}/vitals-away`);
    const [{ hit, request }] = await until('web_vitals for /vitals-first', () => {
      const found = vitalsUnder('/vitals-first');
      return found.length ? found : undefined;
    });
    expectMatches(hit, own);
    expect(request.status, request.error).toBe(202);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('without the opt-in fetches no add-on and sends no web_vitals', async () => {
    const addonFetches = () =>
      h.collector.requests().filter((r) => r.path === `/${h.manifest.vitals.file}`).length;
    const fetchedBefore = addonFetches();
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/plain`);
    await shiftAndInteract(page);
    await until('pageview of /plain', () => sentHits().find(({ hit }) => String(hit.url).endsWith('/plain')));
    await page.goto(`${h.site.url}/vitals-away`);
    // A marker the next page sends after it loaded, after anything the page left could send.
    await page.evaluate(
      ([url, app]) =>
        navigator.sendBeacon(
          `${url}/v1/hits`,
          JSON.stringify({ app_id: app, event_type: 'event', event_name: 'plain_done' }),
        ),
      [h.collector.url, h.site.appId],
    );
    await until('the marker', () => sentHits().find(({ hit }) => hit.event_name === 'plain_done'));

    expect(vitalsUnder('/plain')).toEqual([]);
    expect(addonFetches()).toBe(fetchedBefore);
    expect(errors).toEqual([]);
    await page.close();
  });
});
