/**
 * One browser per test file, a new context and page per test: builds the beacon into a temp dir
 * (never a stale `beacon/dist`), starts the recording collector and the page origin, and launches
 * Debian chromium through playwright-core with the DESIGN §12 flags.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type BeaconManifest, buildBeacon } from '../../../beacon/build.ts';
import { type Collector, startCollector } from './collector.ts';
import { type Site, startSite } from './site.ts';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  // `launch` gives every browser a fresh temporary user-data-dir.
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export type TestPage = {
  page: Page;
  context: BrowserContext;
  /** uncaught errors and console errors seen on the page, in order */
  errors: string[];
};

export type Harness = {
  manifest: BeaconManifest;
  collector: Collector;
  site: Site;
  browser: Browser;
  newPage(init?: { script?: string }): Promise<TestPage>;
  close(): Promise<void>;
};

export async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'alt-beacon-'));
  const manifest = await buildBeacon(dir);
  const collector = await startCollector({ beaconDir: dir });
  const site = await startSite({ collectorUrl: collector.url, manifest });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  return {
    manifest,
    collector,
    site,
    browser,
    async newPage(init) {
      const context = await browser.newContext();
      contexts.push(context);
      if (init?.script) await context.addInitScript(init.script);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      return { page, context, errors };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await site.close();
      await collector.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
