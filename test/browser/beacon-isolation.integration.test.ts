/**
 * The beacon lives on other people's pages: it must leave no trace but `window.alt`, set no
 * cookie, survive a hostile page under a strict CSP, stop completely on `alt('stop')`, still
 * deliver events queued right before the visitor leaves, and never send a post twice. Hits are
 * asserted as the real collector stored them (lake rows), request details from its request log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_STUB } from '../../beacon/snippet.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import { type Harness, startHarness } from './helpers/harness.ts';

let h: Harness;
type AltWindow = Window & { alt: (...a: unknown[]) => void; sent: number };

const STRICT_CSP = "default-src 'self'; connect-src {{collector}}; script-src {{collector}} {{inline}}";

beforeAll(async () => {
  h = await startHarness();
  h.site.route('/blank', { fixture: 'blank.html' });
  h.site.route('/cookies', { fixture: 'basic.html' });
  h.site.route('/hostile', { fixture: 'hostile.html', csp: STRICT_CSP });
  h.site.route('/stop', { fixture: 'basic.html' });
  h.site.route('/unload', { fixture: 'unload.html' });
  h.site.route('/next', { fixture: 'basic.html' });
});

afterAll(async () => {
  await h?.close();
});

const under = (hits: LakeRow[], prefix: string) =>
  hits.filter((x) => x.url && new URL(x.url).pathname.startsWith(prefix));

/** The page's own sendBeacon of a marker hit, a tick after everything else it did. */
async function sendSentinel(page: import('playwright-core').Page, name: string): Promise<void> {
  await page.evaluate(
    ([url, app, name]) =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          navigator.sendBeacon(
            `${url}/v1/hits`,
            JSON.stringify({ app_id: app, event_type: 'event', event_name: name }),
          );
          resolve();
        }, 0),
      ),
    [h.collector.url, h.site.appId, name],
  );
  await h.collector.waitFor((hits) => hits.some((x) => x.event_name === name));
}

describe('beacon isolation in chromium', () => {
  it('adds exactly one global, `alt`, across load, pageviews, events and stop', async () => {
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/blank`);
    const before = await page.evaluate(() => Object.getOwnPropertyNames(window));
    await page.evaluate(
      ([stub, src, integrity, app]) => {
        // The snippet, inserted the way the HTML would run it.
        const inline = document.createElement('script');
        inline.textContent = stub;
        document.head.append(inline);
        const s = document.createElement('script');
        Object.assign(s, { async: true, src, integrity, crossOrigin: 'anonymous' });
        s.dataset.app = app;
        document.head.append(s);
      },
      [QUEUE_STUB, `${h.collector.url}/${h.manifest.file}`, h.manifest.integrity, h.site.appId],
    );
    await h.collector.waitFor((hits) => under(hits, '/blank').length === 1);
    await page.evaluate(() => {
      const w = window as unknown as AltWindow;
      w.alt('event', 'globals', { status: 'RUNNING' });
      history.pushState({}, '', '/blank/2');
      window.dispatchEvent(new Event('pagehide'));
      w.alt('stop');
    });
    await h.collector.waitFor((hits) => under(hits, '/blank').length === 3);
    const after = await page.evaluate(() => Object.getOwnPropertyNames(window));
    expect(after.filter((k) => !before.includes(k))).toEqual(['alt']);
    expect(before.filter((k) => !after.includes(k))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sets and sends no cookies and stores nothing by default', async () => {
    const { page, context } = await h.newPage();
    await page.goto(`${h.site.url}/cookies`);
    await page.evaluate(() => (window as unknown as AltWindow).alt('event', 'cookie-check'));
    await h.collector.waitFor((hits) => under(hits, '/cookies').length === 2);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
    const reqs = h.collector.requests().filter((r) => r.hits.some((x) => x.url?.includes('/cookies')));
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.headers.cookie).toBeUndefined();
      expect(Object.keys(r.responseHeaders).map((k) => k.toLowerCase())).not.toContain('set-cookie');
    }
    await page.close();
  });

  it('still tracks a hostile page under a strict CSP, and its errors stay its own', async () => {
    const { page, errors } = await h.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const response = await page.goto(`${h.site.url}/hostile`);
    expect(response?.headers()['content-security-policy']).toContain(
      `script-src ${h.collector.url} 'sha256-`,
    );
    await h.collector.waitFor((hits) => under(hits, '/hostile').length === 1);

    // After the beacon loaded, the page breaks the builtins it relies on and wraps history itself.
    await page.evaluate(() => {
      const boom = () => {
        throw new Error('page replaced builtin');
      };
      window.fetch = boom as typeof fetch;
      navigator.sendBeacon = boom;
      JSON.stringify = boom;
      const push = history.pushState;
      history.pushState = function (this: History, ...args: Parameters<History['pushState']>) {
        return push.apply(this, args);
      };
    });
    await page.evaluate(() => {
      const w = window as unknown as AltWindow;
      history.pushState({}, '', '/hostile/route');
      w.alt('event', 'hostile-event', { status: 'FAILED', metadata: { reason: 'card declined' } });
    });
    const pageError = page.waitForEvent('pageerror');
    await page.goBack(); // popstate: the page's own throwing handler runs too
    expect((await pageError).message).toBe('page popstate handler');
    const hits = await h.collector.waitFor((all) => under(all, '/hostile').length === 4);

    expect(
      under(hits, '/hostile').map((x) => [x.event_type, new URL(x.url!).pathname, x.event_name]),
    ).toEqual([
      ['pageview', '/hostile', null],
      ['pageview', '/hostile/route', null],
      ['event', '/hostile/route', 'hostile-event'],
      ['pageview', '/hostile', null],
    ]);
    // Array.prototype.toJSON did not garble the body (an array of hits) nor the hit.
    expect(JSON.parse(under(hits, '/hostile')[2].metadata!)).toEqual({ reason: 'card declined' });
    // Only the page's own errors surfaced; none from the beacon, no CSP violation.
    expect(errors.filter((e) => !/page (popstate|pagehide|visibilitychange) handler/.test(e))).toEqual([]);
    expect(cspViolations).toEqual([]);
    await page.close();
  });

  it("alt('stop') sends nothing more, removes its listeners and restores history", async () => {
    const { page, context, errors } = await h.newPage();
    await page.goto(`${h.site.url}/stop`);
    await h.collector.waitFor((hits) => under(hits, '/stop').length === 1);
    // The listeners on window and document, as devtools sees them (this page adds none itself).
    const cdp = await context.newCDPSession(page);
    const listenerTypes = async () => {
      const types: string[] = [];
      for (const expression of ['window', 'document']) {
        const { result } = await cdp.send('Runtime.evaluate', { expression });
        const { listeners } = await cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId! });
        types.push(...listeners.map((l) => l.type));
      }
      return types.sort();
    };
    expect(await listenerTypes()).toEqual(['pagehide', 'popstate', 'visibilitychange']);
    const restored = await page.evaluate(() => {
      const w = window as unknown as AltWindow;
      const wrapped = history.pushState !== History.prototype.pushState;
      w.alt('stop');
      const same =
        history.pushState === History.prototype.pushState &&
        history.replaceState === History.prototype.replaceState;
      history.pushState({}, '', '/stop/after');
      history.replaceState({}, '', '/stop/after2');
      w.alt('event', 'after-stop');
      window.dispatchEvent(new PopStateEvent('popstate'));
      window.dispatchEvent(new Event('pagehide'));
      return { wrapped, same };
    });
    expect(restored).toEqual({ wrapped: true, same: true });
    expect(await listenerTypes()).toEqual([]);
    await page.goBack();
    await sendSentinel(page, 'stop-sentinel');
    expect(under(h.collector.hits(), '/stop')).toHaveLength(1);
    expect(h.collector.hits().some((x) => x.event_name === 'after-stop')).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('delivers an event queued right before the visitor navigates away', async () => {
    const { page } = await h.newPage();
    await page.goto(`${h.site.url}/unload`);
    await h.collector.waitFor((hits) => under(hits, '/unload').length === 1);
    await page.evaluate(() => {
      (window as unknown as AltWindow).alt('event', 'leaving', { status: 'SUCCEEDED' });
      location.href = '/next';
    });
    // The visitor really left: the next page loaded and counted its view with /unload as referrer.
    // Waiting for it also keeps page.close() from racing the navigation's commit: Chromium then
    // acknowledges the close without closing, and page.close() never settles (crbug 536385539,
    // microsoft/playwright#42068; playwright-core 1.65 does not retry).
    const hits = await h.collector.waitFor(
      (all) => all.some((x) => x.event_name === 'leaving') && under(all, '/next').length === 1,
    );
    expect(hits.find((x) => x.event_name === 'leaving')).toMatchObject({
      event_type: 'event',
      url: `${h.site.url}/unload`,
      status: 'SUCCEEDED',
    });
    expect(under(hits, '/next')[0]).toMatchObject({
      event_type: 'pageview',
      referrer: `${h.site.url}/unload`,
    });
    await page.close();
  });

  it('flushes pending hits synchronously on pagehide, before the batching timer', async () => {
    const { page } = await h.newPage();
    await page.goto(`${h.site.url}/unload?sync`);
    await h.collector.waitFor((hits) => hits.some((x) => x.url === `${h.site.url}/unload?sync`));
    const sent = await page.evaluate(() => {
      const w = window as unknown as AltWindow;
      const start = w.sent;
      w.alt('event', 'pagehide-flush');
      const queued = w.sent - start; // batching: nothing sent within the tick
      window.dispatchEvent(new Event('pagehide'));
      return { queued, flushed: w.sent - start };
    });
    expect(sent).toEqual({ queued: 0, flushed: 1 });
    await h.collector.waitFor((hits) => hits.some((x) => x.event_name === 'pagehide-flush'));
    await page.close();
  });

  it('sends with sendBeacon, once, where fetch throws before sending (here a page replaced it)', async () => {
    h.site.route('/no-fetch', { fixture: 'basic.html' });
    // Before the beacon loads, as a broken polyfill would be; and a count of sendBeacon calls.
    const { page, errors } = await h.newPage({
      script: `window.fetch = () => { throw new TypeError('no fetch here'); };
        window.beacons = 0;
        const send = navigator.sendBeacon.bind(navigator);
        navigator.sendBeacon = (url, body) => { window.beacons++; return send(url, body); };`,
    });
    const from = h.collector.requests().length;
    await page.goto(`${h.site.url}/no-fetch`);
    await h.collector.waitFor((hits) => under(hits, '/no-fetch').length === 1);
    expect(await page.evaluate(() => (window as unknown as { beacons: number }).beacons)).toBe(1);
    const posts = h.collector
      .requests()
      .slice(from)
      .filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.status, r.hits.map((x) => x.event_type)])).toEqual([[202, ['pageview']]]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('never sends a post again when its fetch fails after reaching the collector (an origin it refuses)', async () => {
    // An app that allows another origin: the collector refuses the post (403, no CORS header), so
    // the fetch rejects although the collector has the request. A retry would be a second copy.
    const elsewhere = await h.collector.createApp({ origins: ['https://elsewhere.example'] });
    h.site.route('/refused', { fixture: 'unload.html', snippet: { appId: elsewhere } });
    const { page, errors } = await h.newPage();
    const from = h.collector.requests().length;
    await page.goto(`${h.site.url}/refused`);
    await expect(h.collector.waitFor(() => false)).rejects.toThrow(
      /refused a request with 403: origin_not_allowed/,
    );
    // The fetch's rejection has reached the page: a second attempt would be under way by now.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    expect(await page.evaluate(() => (window as unknown as AltWindow).sent)).toBe(1);
    const posts = h.collector
      .requests()
      .slice(from)
      .filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.status, r.sent.map((x) => x.url)])).toEqual([
      [403, [`${h.site.url}/refused`]],
    ]);
    // What the page shows: the browser's own CORS message (so the fetch did reject) and network
    // message, nothing thrown by the beacon.
    expect(errors.some((e) => /blocked by CORS policy/.test(e))).toBe(true);
    expect(errors.filter((e) => !/CORS policy|Failed to load resource/.test(e))).toEqual([]);
    await page.close();
  });
});
