/**
 * Beacon benchmark: transfer size (raw, gzip, brotli) and the cost on the page in Debian
 * chromium — parse + execute of the script (including its first pageview), and the cost of one
 * `alt('event', …)` call — as medians over N fresh page loads. Writes
 * `bench/results/beacon-<date>.json`. Run: `npx tsx bench/beacon.ts [--loads 40]`.
 *
 * Parse + execute is measured by inserting the script inline (synchronous execution) between
 * two `performance.now()` reads, so network time is excluded. Hits go to the real collector
 * of the browser tests (`test/browser/helpers/collector.ts`), which validates them.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBeacon } from '../beacon/build.ts';
import { startCollector } from '../test/browser/helpers/collector.ts';
import { launchChromium } from '../test/browser/helpers/harness.ts';
import { startSite } from '../test/browser/helpers/site.ts';

const { values } = parseArgs({ options: { loads: { type: 'string', default: '40' } } });
const LOADS = Number(values.loads);
const EVENTS_PER_LOAD = 200;

/** Published figures of comparable trackers (their own claims; not measured here). */
const PUBLISHED = [
  { tracker: 'Plausible', gzip: '< 1 KB', note: 'published by Plausible for its script' },
  { tracker: 'Umami', gzip: '~2 KB', note: 'published by Umami for its script' },
];

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const dir = await mkdtemp(join(tmpdir(), 'alt-bench-beacon-'));
const manifest = await buildBeacon(dir);
const code = await readFile(join(dir, 'b.js'), 'utf8');
const collector = await startCollector({ beaconDir: dir });
// Headless chromium is a bot to the collector: kept, so the benchmark's hits are stored.
const site = await startSite({
  collectorUrl: collector.url,
  manifest,
  register: (origin) => collector.createApp({ origins: [origin], botPolicy: 'keep' }),
});
site.route('/blank', { fixture: 'blank.html' });
const browser = await launchChromium();
const browserVersion = `chromium ${browser.version()}`;

const parseExecMs: number[] = [];
const baselineMs: number[] = [];
const eventUs: number[] = [];
try {
  const context = await browser.newContext();
  for (let i = 0; i < LOADS; i++) {
    const page = await context.newPage();
    await page.goto(`${site.url}/blank?load=${i}`);
    const r = await page.evaluate(
      ([code, app, api, n]) => {
        // Baseline: inserting an empty inline script, the floor of this way of measuring.
        const empty = document.createElement('script');
        const b0 = performance.now();
        document.head.append(empty);
        const baseline = performance.now() - b0;
        const s = document.createElement('script');
        s.dataset.app = app as string;
        s.dataset.api = api as string;
        s.textContent = code as string;
        const t0 = performance.now();
        document.head.append(s);
        const t1 = performance.now();
        const alt = (window as unknown as { alt: (...a: unknown[]) => void }).alt;
        for (let k = 0; k < (n as number); k++) alt('event', 'bench', { status: 'RUNNING', metadata: { k } });
        const t2 = performance.now();
        return { baseline, parseExec: t1 - t0, perEvent: ((t2 - t1) * 1000) / (n as number) };
      },
      [code, site.appId, collector.url, EVENTS_PER_LOAD],
    );
    parseExecMs.push(r.parseExec);
    baselineMs.push(r.baseline);
    eventUs.push(r.perEvent);
    await page.close();
  }
  await context.close();
} finally {
  await browser.close();
}
// Every hit the benchmark produced was accepted by the schema-validating collector.
const refused = collector.requests().filter((r) => r.error).length;
await site.close();
await collector.close();
await rm(dir, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  browser: browserVersion,
  file: manifest.file,
  bytes: manifest.bytes,
  budget: { gzip: 1024, ok: manifest.bytes.gzip <= 1024 },
  loads: LOADS,
  parse_execute_ms: {
    median: +quantile(parseExecMs, 0.5).toFixed(3),
    p95: +quantile(parseExecMs, 0.95).toFixed(3),
  },
  empty_inline_script_ms: { median: +quantile(baselineMs, 0.5).toFixed(3) },
  event_call_us: { median: +quantile(eventUs, 0.5).toFixed(2), p95: +quantile(eventUs, 0.95).toFixed(2) },
  requests_refused_by_collector: refused,
  published: PUBLISHED,
};

const out = join(
  dirname(fileURLToPath(import.meta.url)),
  'results',
  `beacon-${result.date.slice(0, 10)}.json`,
);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);

console.log(`| script | raw | gzip | brotli | parse+execute (median / p95) |`);
console.log(`|---|---|---|---|---|`);
console.log(
  `| ALT ${manifest.file} | ${manifest.bytes.raw} B | ${manifest.bytes.gzip} B | ${manifest.bytes.br} B | ${result.parse_execute_ms.median} / ${result.parse_execute_ms.p95} ms |`,
);
for (const p of PUBLISHED) console.log(`| ${p.tracker} (published) | | ${p.gzip} | | |`);
console.log(`baseline (empty inline script): median ${result.empty_inline_script_ms.median} ms`);
console.log(`alt('event') call: median ${result.event_call_us.median} µs; refused requests: ${refused}`);
console.log(`wrote ${out}`);
