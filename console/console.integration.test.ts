/**
 * The console as a site owner uses it, in chromium against a real local stack (`startLocalStack`:
 * collector, transformer process, PGlite in a temp dir): create an app in the console, copy its
 * snippet and CSP sources from it into a page served on an allowed loopback origin under exactly
 * that CSP, load the page → its pageview shows in the app's live view as accepted; a page on
 * another origin and a malformed hit show as refused with their code and JSON pointer; a disabled
 * app's hits are refused and shown; a rotated key is refused on /v1/batch and the new one taken;
 * after a drain the overview shows the pageviews, top pages and the lake's files.
 *
 * Set ALT_CONSOLE_SCREENSHOT=docs/console.png to write the README's screenshot on the way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBeacon } from '../beacon/build.ts';
import { type LocalStack, startLocalStack } from '../cli/local/stack.ts';
import { loadConfig } from '../lib/config.ts';
import { launchChromium } from '../test/browser/helpers/harness.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'alt-console-'));
/** Event waits, generous for a loaded CI machine; the live view itself answers in milliseconds. */
const WAIT = { timeout: 15_000 };

let stack: LocalStack;
let browser: Browser;
let admin: BrowserContext;
let visitor: BrowserContext;
let console_: Page;
const sites: Server[] = [];

/** A loopback site serving `page()` at every path, with the CSP `csp()` when it returns one. */
async function site(page: () => string, csp: () => string | undefined): Promise<string> {
  const server = createServer((_req, res) => {
    const policy = csp();
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      ...(policy && { 'content-security-policy': policy }),
    });
    res.end(page());
  });
  sites.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** The first row of the live view with these attributes, once it is there. */
async function liveRow(p: Page, attrs: string) {
  const row = p.locator(`section.live tbody tr${attrs}`).first();
  await row.waitFor(WAIT);
  return row;
}

beforeAll(async () => {
  // The collector serves the build it finds at start, and the console's snippet names that build.
  await ensureBeacon();
  stack = await startLocalStack(
    loadConfig({ dataDir, port: '0', flushIntervalSec: '3600', logLevel: 'silent' }, {}),
  );
  browser = await launchChromium();
  admin = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  visitor = await browser.newContext();
  console_ = await admin.newPage();
});

afterAll(async () => {
  await browser?.close();
  for (const s of sites) await new Promise((r) => s.close(r));
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the console of alt dev', () => {
  let snippet = '';
  let csp = { script: '', connect: '', img: '' };
  let allowed = '';
  let other = '';
  let appId = '';
  let firstKey = '';
  const page = () =>
    `<!doctype html><html><head><title>shop</title>\n${snippet}\n</head><body><h1>Shop</h1></body></html>`;
  const policy = () =>
    `default-src 'none'; script-src ${csp.script}; connect-src ${csp.connect}; img-src ${csp.img}`;

  it('signs in with the printed link and creates an app whose snippet, pasted into a page, shows its pageview live', async () => {
    allowed = await site(page, policy);
    other = await site(page, () => undefined);

    await console_.goto(stack.consoleUrl);
    expect(new URL(console_.url()).search).toBe('');
    await console_.getByRole('link', { name: 'Apps' }).click();
    await console_.getByLabel('Name', { exact: true }).fill('Shop');
    await console_.getByLabel(/Allowed origins/).fill(allowed);
    await console_.getByLabel('Name', { exact: true }).press('Enter');

    firstKey = (await console_.locator('#write-key').textContent()) ?? '';
    expect(firstKey).toMatch(/\S{20,}/);
    appId = (await console_.locator('#app-id').textContent()) ?? '';
    await console_.getByRole('button', { name: 'Copy snippet' }).click();
    snippet = await console_.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toContain(`data-app="${appId}"`);
    expect(snippet).toContain('integrity="sha384-');
    csp = {
      script: (await console_.locator('#csp-script').textContent()) ?? '',
      connect: (await console_.locator('#csp-connect').textContent()) ?? '',
      img: (await console_.locator('#csp-img').textContent()) ?? '',
    };

    await console_.waitForSelector('section.live[data-state="open"]', WAIT);
    const shop = await visitor.newPage();
    const refusedByCsp: string[] = [];
    shop.on('console', (m) => m.type() === 'error' && refusedByCsp.push(m.text()));
    await shop.goto(`${allowed}/products/42`);
    const row = await liveRow(console_, '[data-outcome="accepted"][data-event="pageview"]');
    expect(await row.textContent()).toContain(`${allowed}/products/42`);
    expect(refusedByCsp).toEqual([]);
    await shop.close();
  });

  it('offers the inline snippet: pasted under the CSP shown beside it (one hash, no collector in script-src), its pageview shows live', async () => {
    const src = { snippet, csp };
    await console_.getByLabel(/Inline beacon/).check();
    await console_.getByRole('button', { name: 'Update snippet' }).click();
    await console_.waitForSelector('section.live[data-state="open"]', WAIT);
    await console_.getByRole('button', { name: 'Copy snippet' }).click();
    snippet = await console_.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toMatch(
      new RegExp(`^<script data-app="${appId}" data-api="http://127\\.0\\.0\\.1:\\d+">\\(\\(\\)=>`),
    );
    expect(snippet).not.toContain('integrity=');
    csp = {
      script: (await console_.locator('#csp-script').textContent()) ?? '',
      connect: (await console_.locator('#csp-connect').textContent()) ?? '',
      img: (await console_.locator('#csp-img').textContent()) ?? '',
    };
    expect(csp.script).toMatch(/^'sha256-[A-Za-z0-9+/]{43}='$/);
    const shop = await visitor.newPage();
    const errors: string[] = [];
    shop.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await shop.goto(`${allowed}/inline-shop/7`);
    await console_
      .locator('section.live tbody tr[data-outcome="accepted"][data-event="pageview"]', {
        hasText: `${allowed}/inline-shop/7`,
      })
      .first()
      .waitFor(WAIT);
    expect(errors).toEqual([]);
    await shop.close();
    // The later cases use the src snippet again.
    ({ snippet, csp } = src);
  });

  it('shows a hit from another origin and a malformed hit as refused, with code and JSON pointer', async () => {
    const elsewhere = await visitor.newPage();
    await elsewhere.goto(`${other}/copied`);
    const wrongOrigin = await liveRow(console_, '[data-outcome="refused"][data-code="origin_not_allowed"]');
    expect(await wrongOrigin.textContent()).toContain('403');
    await elsewhere.close();

    const res = await fetch(`${stack.collectorUrl}/v1/hits`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: allowed },
      body: JSON.stringify({ app_id: appId, event_type: 'pageview', url: 'not a url' }),
    });
    expect(res.status).toBe(400);
    const malformed = await liveRow(console_, '[data-outcome="refused"][data-code="invalid_hit"]');
    expect(await malformed.locator('.why').textContent()).toMatch(/invalid_hit — hit 0 \/url: /);
  });

  it("refuses a disabled app's hits and shows them refused", async () => {
    await console_.getByRole('button', { name: 'Disable app' }).click();
    await console_.waitForSelector('h1 .badge.off', WAIT);
    await console_.waitForSelector('section.live[data-state="open"]', WAIT);
    const shop = await visitor.newPage();
    await shop.goto(`${allowed}/after-disable`);
    const row = await liveRow(console_, '[data-outcome="refused"][data-code="app_disabled"]');
    expect(await row.textContent()).toContain('403');
    await shop.close();
    await console_.getByRole('button', { name: 'Enable app' }).click();
    await console_.waitForSelector('h1 .badge.on', WAIT);
  });

  it('rotates the write key: the old one is refused on /v1/batch, the new one taken', async () => {
    const batch = (key: string) =>
      fetch(`${stack.collectorUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          hits: [{ app_id: appId, event_type: 'request', url: 'https://api.shop.example/a' }],
        }),
      });
    expect((await batch(firstKey)).status).toBe(202);
    await console_.getByRole('button', { name: 'Rotate write key' }).click();
    const newKey = (await console_.locator('#write-key').textContent()) ?? '';
    expect(newKey).not.toBe(firstKey);
    const old = await batch(firstKey);
    expect(old.status).toBe(401);
    expect(((await old.json()) as { error: string }).error).toBe('invalid_key');
    expect((await batch(newKey)).status).toBe(202);
    // The key is shown once: the app's page does not show it again.
    await console_.goto(`${new URL(stack.consoleUrl).origin}/_alt/apps/${appId}`);
    expect(await console_.locator('#write-key').count()).toBe(0);
  });

  it('shows the pageviews, top pages and the lake once the hits are transformed', async () => {
    await stack.drain();
    await console_.getByRole('link', { name: 'Overview' }).click();
    expect(
      Number((await console_.locator('#pageviews-total').textContent())?.replace(/,/g, '')),
    ).toBeGreaterThanOrEqual(1);
    expect(await console_.locator('ol.top').textContent()).toContain('/products/42');
    expect(await console_.locator('#lake').textContent()).toMatch(/1 hours?, [1-9]\d* files?, [1-9]\d* rows/);
    if (process.env.ALT_CONSOLE_SCREENSHOT) {
      await console_.waitForSelector('section.live[data-state="open"]', WAIT);
      await console_.setViewportSize({ width: 1200, height: 900 });
      await console_.screenshot({ path: process.env.ALT_CONSOLE_SCREENSHOT, fullPage: true });
    }
  });

  it('stays usable at 2,000+ apps with the keyboard alone: search finds one app, paging walks the list', async () => {
    for (let i = 0; i < 2_100; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => stack.registry.create({ name: `Client site ${i + j}` })),
      );
    }
    const kb = await admin.newPage();
    await kb.goto(stack.consoleUrl);
    await kb.goto(`${new URL(kb.url()).origin}/_alt/apps`);
    // Tab from the top of the page to the search box, type, Enter: no pointer anywhere.
    for (let i = 0; i < 20; i++) {
      await kb.keyboard.press('Tab');
      if (await kb.evaluate(() => document.activeElement?.id === 'q')) break;
    }
    expect(await kb.evaluate(() => document.activeElement?.id)).toBe('q');
    await kb.keyboard.type('Client site 1234');
    await kb.keyboard.press('Enter');
    await kb.waitForURL(/q=Client/, WAIT);
    expect(await kb.locator('#apps-count').textContent()).toMatch(/of 1 matching/);
    await kb.getByText('Client site 1234', { exact: true }).first().waitFor(WAIT);

    await kb.goto(`${new URL(kb.url()).origin}/_alt/apps`);
    const count = (await kb.locator('#apps-count').textContent()) ?? '';
    const total = Number(/of ([\d,]+)/.exec(count)?.[1].replace(/,/g, ''));
    expect(total).toBeGreaterThanOrEqual(2_101);
    const firstPage = await kb.locator('#apps-count').textContent();
    // The "Older" link, reached and followed with the keyboard.
    for (let i = 0; i < 60; i++) {
      await kb.keyboard.press('Tab');
      if (await kb.evaluate(() => (document.activeElement as HTMLAnchorElement | null)?.rel === 'next'))
        break;
    }
    await kb.keyboard.press('Enter');
    await kb.waitForURL(/offset=/, WAIT);
    expect(await kb.locator('#apps-count').textContent()).not.toBe(firstPage);
    expect(await kb.locator('#apps-count').textContent()).toMatch(/^Apps \d+–\d+ of /);
    await kb.close();
  });
});
