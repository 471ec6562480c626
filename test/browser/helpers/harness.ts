/**
 * One browser per test file, a new context and page per test: builds the beacon into a temp dir
 * (never a stale `beacon/dist`), starts the real collector serving that build and the page origin
 * (registered with the collector as an app for its origin), and launches Debian chromium through
 * playwright-core with the DESIGN §12 flags.
 *
 * Pages present the User-Agent headful Chrome of the same build sends (`HeadlessChrome/` →
 * `Chrome/`): the collector rightly drops headless browsers as bots under the default `drop`
 * policy, and the tests are about what a site owner sees of real visitors, with the app
 * configured as a real one is.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type BeaconManifest, buildBeacon, withBeaconCode } from '../../../beacon/build.ts';
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

const CHROMIUM = '/usr/bin/chromium';

/**
 * The User-Agent headful Chrome of this build sends. Set browser-wide with `--user-agent`, not only
 * per context: a `sendBeacon` that outlives its page (sent during navigation) goes out from the
 * network service without the context's override, and would be dropped as `HeadlessChrome`.
 */
export function visitorUserAgentOf(versionLine: string): string {
  const major = /(\d+)\.\d+\.\d+\.\d+/.exec(versionLine)?.[1];
  if (!major) throw new Error(`cannot read the chromium version from: ${versionLine}`);
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
}

let visitorUa: string | undefined;

/**
 * Launches chromium with a visitor's User-Agent browser-wide: `userAgent`, or the one headful
 * Chrome of this build sends. (A context's `userAgent` must then be the same for hits sent while a
 * page is left: those go out with the browser-wide one.)
 */
export function launchChromium(userAgent?: string): Promise<Browser> {
  visitorUa ??= visitorUserAgentOf(
    execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  // `launch` gives every browser a fresh temporary user-data-dir.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, `--user-agent=${userAgent ?? visitorUa}`],
  });
}

/** The browser's own User-Agent as its headful build sends it. */
async function visitorUserAgent(browser: Browser): Promise<string> {
  const cdp = await browser.newBrowserCDPSession();
  const { userAgent } = await cdp.send('Browser.getVersion');
  await cdp.detach();
  const ua = userAgent.replace('HeadlessChrome/', 'Chrome/');
  if (/headless/i.test(ua)) throw new Error(`unexpected chromium user agent: ${userAgent}`);
  return ua;
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
  /** the User-Agent every test page sends */
  userAgent: string;
  newPage(init?: { script?: string }): Promise<TestPage>;
  close(): Promise<void>;
};

export async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'alt-beacon-'));
  const manifest = await buildBeacon(dir);
  const collector = await startCollector({ beaconDir: dir });
  const site = await startSite({
    collectorUrl: collector.url,
    manifest: await withBeaconCode(manifest, dir),
    register: (origin) => collector.createApp({ origins: [origin] }),
  });
  const browser = await launchChromium();
  const userAgent = await visitorUserAgent(browser);
  const contexts: BrowserContext[] = [];
  return {
    manifest,
    collector,
    site,
    browser,
    userAgent,
    async newPage(init) {
      const context = await browser.newContext({ userAgent });
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
