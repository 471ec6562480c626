/**
 * Schema version 2 end to end, as a site owner sees it: `alt dev` in a subprocess behind a load
 * balancer (one trusted proxy hop), the app's real snippet with the Web Vitals add-on on a page
 * served on loopback, visited by chromium as a desktop and as a mobile visitor, plus `/v1/batch`
 * hits from a server; after `alt transform --once`, every lake row (`alt query`) carries the
 * browser, OS and device class of its User-Agent, the host/path/referrer/UTM tags and channel of
 * its URLs, the country of its client address, and the web_vitals rows their metrics.
 *
 * Why a proxy and a browser-wide User-Agent: a context's `userAgent` and `extraHTTPHeaders` are
 * DevTools overrides. An extra `X-Forwarded-For` makes chromium preflight the snippet's CORS-mode
 * (SRI) script requests, which the collector rightly does not allow, so the page would get no
 * beacon; and a `sendBeacon` made while a page is navigated away from goes out with the
 * browser-wide `--user-agent` (one made by a live page, or while its tab is closed, has the
 * context's). So the browser is launched with the desktop visitor's UA, the mobile visitor leaves
 * by closing the tab, and the visitors' addresses come from a load balancer in front of the
 * collector, as in production: it appends the address it saw to `X-Forwarded-For` — here the
 * address the test gives each visitor, by User-Agent, since all of them connect from loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAKE_COLUMNS } from '../../schemas/columns.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import { launchChromium } from '../browser/helpers/harness.ts';
import { altCli, type Dev } from './alt-cli.ts';

/** Chrome 131 on Windows 10/11, as it sends it. */
const DESKTOP_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
/** Safari on an iPhone (iOS 17.5). */
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX_MAC_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:128.0) Gecko/20100101 Firefox/128.0';
const ANDROID_CHROME_UA =
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36';
/** Googlebot's smartphone crawler: it claims to be Chrome on an Android phone. */
const GOOGLEBOT_UA =
  'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
/** RIPE NCC's web server: NL in the shipped iptoasn database (collector/enrich/country.ts). */
const MOBILE_VISITOR_IP = '193.0.6.139';
/** Where the load balancer sees each browser visitor; the desktop one from loopback (no country). */
const VISITOR_IPS: Record<string, string> = { [IPHONE_UA]: MOBILE_VISITOR_IP };

const dataDir = mkdtempSync(join(tmpdir(), 'alt-e2e-v2-'));
const { alt, altJson, startDev } = altCli(dataDir);
let dev: Dev;
let site: Server;
let siteUrl: string;
let balancer: Server;
let balancerUrl: string;

/** Listens on a free loopback port; returns `host:port`. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

beforeAll(async () => {
  // `alt dev` has no flag for it; the environment setting is the one a deployment behind an ALB uses.
  dev = await startDev([], { ALT_TRUST_PROXY_HOPS: '1' });
  site = createServer();
  siteUrl = `http://${await listen(site)}`;
  const upstream = new URL(dev.url);
  balancer = createServer((req, res) => {
    const seen = VISITOR_IPS[req.headers['user-agent'] ?? ''] ?? req.socket.remoteAddress ?? '';
    const forwarded = [req.headers['x-forwarded-for'], seen].filter(Boolean).join(', ');
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, 'x-forwarded-for': forwarded },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  balancerUrl = `http://${await listen(balancer)}`;
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await new Promise((r) => balancer?.close(r));
  await new Promise((r) => site?.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

/** What identifies a row, and every column schema version 2 added (from the one schema source). */
const IDENTITY = [
  'app_id',
  'event_type',
  'event_name',
  'source',
  'user_agent',
  'is_bot',
  'schema_version',
] as const;
const V2_COLUMNS = LAKE_COLUMNS.filter((c) => c.since === 2).map((c) => c.name);
// (A query row has only the selected columns, IDENTITY and V2_COLUMNS.)
type Row = Required<LakeRow>;

/** Sums a Prometheus counter's samples whose labels contain `labels` (text exposition format). */
async function counter(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${dev.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Polls a counter until it reaches `atLeast` (or 10 s pass: the caller's assertion then says what is missing). */
async function untilCounter(name: string, atLeast: number): Promise<void> {
  for (let i = 0; i < 100 && (await counter(name)) < atLeast; i++)
    await new Promise((r) => setTimeout(r, 100));
}

/** Resolves once the page has its largest contentful paint (the add-on reports only what the browser did). */
const painted = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        new PerformanceObserver(() => resolve()).observe({
          type: 'largest-contentful-paint',
          buffered: true,
        }),
      ),
  );

/** Loads `url` and waits for its pageview's answer (the collector's status) and the page's LCP. */
async function visit(page: Page, url: string, referer?: string): Promise<number> {
  const answered = page.waitForResponse((r) => {
    const sent = r.url() === `${balancerUrl}/v1/hits` ? r.request().postData() : null;
    return !!sent && sent.includes('"event_type":"pageview"') && sent.includes(JSON.stringify(url));
  });
  await page.goto(url, { referer });
  const status = (await answered).status();
  await painted(page);
  return status;
}

describe('schema version 2, end to end through alt dev', () => {
  it('stores browser, OS, device, acquisition, country and Web Vitals for beacon and batch hits', async () => {
    const shop = await altJson<{ app_id: string; write_key: string }>([
      'apps',
      'create',
      '--name',
      'v2 shop',
      '--origin',
      siteUrl,
      '--json',
    ]);
    // A site that wants to see crawlers in its lake.
    const crawled = await altJson<{ app_id: string; write_key: string }>([
      'apps',
      'create',
      '--name',
      'v2 crawled',
      '--bot-policy',
      'keep',
      '--json',
    ]);
    // The collector as browsers reach it: through the load balancer.
    const snippet = await alt(['apps', 'snippet', shop.app_id, '--vitals', '--collector', balancerUrl]);
    expect(snippet.code, snippet.stderr).toBe(0);
    expect(snippet.stdout).toContain(`src="${balancerUrl}/b.vitals-`);
    site.on('request', (_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><html><head><meta name="viewport" content="width=device-width">
        ${snippet.stdout}</head><body><h1>Spring sale</h1><p>Everything must go.</p></body></html>`);
    });

    const browser = await launchChromium(DESKTOP_UA);
    try {
      const desktop = await browser.newContext({ userAgent: DESKTOP_UA });
      const mobile = await browser.newContext({
        userAgent: IPHONE_UA,
        viewport: { width: 390, height: 664 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
      });

      // Desktop: a newsletter link, then the visitor types another address (a direct visit); the
      // first view's web_vitals leaves while the page is navigated away from.
      const page = await desktop.newPage();
      expect(
        await visit(page, `${siteUrl}/spring?utm_source=newsletter&utm_medium=email&utm_campaign=spring`),
      ).toBe(202);
      expect(await visit(page, `${siteUrl}/typed`)).toBe(202);
      await page.close(); // the second view's web_vitals

      // Mobile: from a Google results page; the tab is closed.
      const phone = await mobile.newPage();
      expect(await visit(phone, `${siteUrl}/sale/shoes`, 'https://www.google.com/')).toBe(202);
      await phone.close();

      // Three pageviews and three web_vitals events, each in a request of its own.
      await untilCounter('alt_collector_hits_accepted_total', 6);
    } finally {
      await browser.close();
    }
    expect(await counter('alt_collector_hits_accepted_total', 'source="beacon"')).toBe(6);
    expect(await counter('alt_collector_hits_rejected_total')).toBe(0);

    const batch = async (key: string, hits: Record<string, unknown>[]) => {
      const res = await fetch(`${dev.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ hits }),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      expect(await res.json()).toEqual({ accepted: hits.length });
    };
    await batch(shop.write_key, [
      {
        app_id: shop.app_id,
        event_type: 'pageview',
        url: 'https://shop.example/pricing',
        referrer: 'https://chatgpt.com/',
        client_ip: '8.8.8.8',
        user_agent: FIREFOX_MAC_UA,
      },
      {
        app_id: shop.app_id,
        event_type: 'pageview',
        url: 'https://Shop.Example/landing/ads?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=web+analytics&utm_content=ad-1',
        client_ip: '192.0.2.10',
        user_agent: ANDROID_CHROME_UA,
      },
    ]);
    await batch(crawled.write_key, [
      {
        app_id: crawled.app_id,
        event_type: 'pageview',
        url: 'https://blog.example/posts/1',
        client_ip: '8.8.8.8',
        user_agent: GOOGLEBOT_UA,
      },
    ]);

    const drained = await alt(['transform', '--once', '--json']);
    expect(drained.code, drained.stderr).toBe(0);
    const rows = await altJson<Row[]>([
      'query',
      `SELECT ${[...IDENTITY, ...V2_COLUMNS].join(', ')} FROM hits WHERE app_id IN ('${shop.app_id}', '${crawled.app_id}')`,
      '--format',
      'json',
    ]);

    // The vitals values are the browser's; checked below, apart from the rest of the row.
    const vitals = rows.filter((r) => r.event_name === 'web_vitals');
    const described = rows.map(({ lcp_ms, inp_ms, fcp_ms, ttfb_ms, cls, app_id, ...r }) => ({
      ...r,
      app: app_id === shop.app_id ? 'shop' : 'crawled',
    }));
    const key = (r: (typeof described)[number]) =>
      [r.app, r.source, r.url_host, r.url_path, r.event_type, r.event_name ?? ''].join(' ');
    described.sort((a, b) => key(a).localeCompare(key(b)));

    const v2 = { source: 'beacon', is_bot: false, schema_version: 2, app: 'shop' };
    const chromeOnWindows = {
      ...v2,
      user_agent: DESKTOP_UA,
      browser: 'Chrome',
      browser_version: '131',
      os: 'Windows',
      os_version: '10',
      device_type: 'desktop',
      country: null, // seen from loopback
      url_host: '127.0.0.1', // the hostname, without the port
    };
    const safariOnIphone = {
      ...v2,
      user_agent: IPHONE_UA,
      browser: 'Safari',
      browser_version: '17',
      os: 'iOS',
      os_version: '17',
      device_type: 'mobile',
      country: 'NL',
      url_host: '127.0.0.1',
    };
    const noTags = {
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      utm_term: null,
      utm_content: null,
    };
    const newsletter = { ...noTags, utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' };
    const server = {
      source: 'server',
      is_bot: false,
      schema_version: 2,
      event_name: null,
      event_type: 'pageview',
    };

    expect(described).toEqual([
      {
        ...server,
        app: 'crawled',
        user_agent: GOOGLEBOT_UA,
        is_bot: true,
        browser: 'Chrome',
        browser_version: '131',
        os: 'Android',
        os_version: '6',
        device_type: 'other', // a bot, whatever phone it claims to be
        country: 'US',
        url_host: 'blog.example',
        url_path: '/posts/1',
        referrer_host: null,
        channel: 'direct',
        ...noTags,
      },
      {
        ...safariOnIphone,
        event_type: 'event',
        event_name: 'web_vitals',
        url_path: '/sale/shoes',
        // An event carries no referrer: on its own it is a direct hit.
        referrer_host: null,
        channel: 'direct',
        ...noTags,
      },
      {
        ...safariOnIphone,
        event_type: 'pageview',
        event_name: null,
        url_path: '/sale/shoes',
        referrer_host: 'www.google.com',
        channel: 'organic_search',
        ...noTags,
      },
      {
        ...chromeOnWindows,
        event_type: 'event',
        event_name: 'web_vitals',
        url_path: '/spring',
        referrer_host: null,
        channel: 'email', // the landing URL's tags classify the view's events too
        ...newsletter,
      },
      {
        ...chromeOnWindows,
        event_type: 'pageview',
        event_name: null,
        url_path: '/spring',
        referrer_host: null,
        channel: 'email',
        ...newsletter,
      },
      {
        ...chromeOnWindows,
        event_type: 'event',
        event_name: 'web_vitals',
        url_path: '/typed',
        referrer_host: null,
        channel: 'direct',
        ...noTags,
      },
      {
        ...chromeOnWindows,
        event_type: 'pageview',
        event_name: null,
        url_path: '/typed',
        referrer_host: null,
        channel: 'direct',
        ...noTags,
      },
      {
        ...server,
        app: 'shop',
        user_agent: ANDROID_CHROME_UA,
        browser: 'Chrome',
        browser_version: '130',
        os: 'Android',
        os_version: null, // the reduced UA's frozen "Android 10; K"
        device_type: 'mobile',
        country: null, // 192.0.2.0/24 is a documentation range
        url_host: 'shop.example',
        url_path: '/landing/ads',
        referrer_host: null,
        channel: 'paid_search',
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'brand',
        utm_term: 'web analytics',
        utm_content: 'ad-1',
      },
      {
        ...server,
        app: 'shop',
        user_agent: FIREFOX_MAC_UA,
        browser: 'Firefox',
        browser_version: '128',
        os: 'macOS',
        os_version: null, // every Mac sends 10.15
        device_type: 'desktop',
        country: 'US',
        url_host: 'shop.example',
        url_path: '/pricing',
        referrer_host: 'chatgpt.com',
        channel: 'ai_assistant',
        ...noTags,
      },
    ]);

    // Each view's metrics: its document load's paint and response times, no shift (nothing
    // moves on the page), no INP (nobody interacted); only web_vitals rows have them.
    expect(vitals).toHaveLength(3);
    for (const v of vitals) {
      expect(v.ttfb_ms).toBeGreaterThanOrEqual(0);
      expect(v.fcp_ms).toBeGreaterThanOrEqual(v.ttfb_ms!);
      expect(v.lcp_ms).toBeGreaterThanOrEqual(v.fcp_ms!);
      expect(v.cls).toBe(0);
      expect(v.inp_ms).toBeNull();
    }
    for (const r of rows.filter((r) => r.event_name !== 'web_vitals'))
      expect([r.lcp_ms, r.inp_ms, r.fcp_ms, r.ttfb_ms, r.cls]).toEqual([null, null, null, null, null]);
  }, 180_000);
});
