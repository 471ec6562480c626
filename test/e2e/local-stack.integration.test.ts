/**
 * The local stack end to end, as a user drives it: `alt dev` in a subprocess, an app created with
 * `alt apps create` (through the running dev process), hits from the real beacon in chromium and
 * from `/v1/batch`, `alt transform --once`, then `alt query` and `alt validate` — and a restart
 * keeps everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/helpers/harness.ts';
import { altCli, type Dev } from './alt-cli.ts';

const VISITOR_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const dataDir = mkdtempSync(join(tmpdir(), 'alt-e2e-'));

interface HitRow {
  log_id: string;
  event_type: string;
  event_name: string | null;
  source: string;
  url: string | null;
  client_ip: string;
  status_code: number | null;
  status: string | null;
  ts: string;
  year: number;
  month: number;
  day: number;
  hour: number;
}

const QUERY = `SELECT log_id, event_type, event_name, source, url, client_ip, status_code, status,
  strftime("timestamp", '%Y-%m-%dT%H') AS ts, year, month, day, hour FROM hits ORDER BY source, event_type`;

const { alt, altJson, startDev } = altCli(dataDir);
let dev: Dev;
let site: Server;
let siteUrl: string;

beforeAll(async () => {
  dev = await startDev();
  site = createServer();
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const address = site.address();
  siteUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterAll(async () => {
  await dev?.stop();
  await new Promise((r) => site?.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('alt dev, end to end', () => {
  it('takes beacon and batch hits into the lake, queryable with partitions, masked IPs and both statuses', async () => {
    const created = await altJson<{ app_id: string; write_key: string }>([
      'apps',
      'create',
      '--name',
      'e2e shop',
      '--origin',
      siteUrl,
      '--json',
    ]);
    expect(created.app_id).toMatch(/^alt_[0-9A-Za-z]{22}$/);
    // No --collector: the snippet points at the running alt dev, whatever port it took.
    const snippet = await alt(['apps', 'snippet', created.app_id]);
    expect(snippet.code, snippet.stderr).toBe(0);
    expect(snippet.stdout).toContain(`src="${dev.url}/b.`);

    site.on('request', (_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><html><head>${snippet.stdout}</head><body>
        <script>alt('event', 'checkout', { status: 'SUCCEEDED', metadata: { cart: 3 } });</script>
        </body></html>`);
    });
    // (Hits are durable once the collector answered; the poll below waits for both beacon requests.)
    const browser = await launchChromium();
    try {
      // A visitor's browser: headless Chrome announces itself and would be dropped as a bot.
      const context = await browser.newContext({ userAgent: VISITOR_UA });
      const page = await context.newPage();
      const sent = page.waitForRequest((r) => r.url().startsWith(`${dev.url}/v1/hits`));
      await page.goto(`${siteUrl}/cart?step=2#summary`);
      await sent;
      await page.close();
    } finally {
      await browser.close();
    }

    const batch = await fetch(`${dev.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${created.write_key}` },
      body: JSON.stringify({
        hits: [
          {
            app_id: created.app_id,
            event_type: 'request',
            url: 'https://api.shop.example/orders',
            status_code: 500,
            status: 'FAILED',
            request_id: 'req-1',
            client_ip: '198.51.100.23',
            user_agent: VISITOR_UA,
          },
          {
            app_id: created.app_id,
            event_type: 'request',
            url: 'https://api.shop.example/orders',
            status_code: 200,
            status: 'RUNNING',
            client_ip: '2001:db8:abcd:12::1',
          },
          // A crawler's hit: the app's default policy drops it from the lake but counts it.
          {
            app_id: created.app_id,
            event_type: 'pageview',
            url: 'https://shop.example/',
            user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
          },
        ],
      }),
    });
    expect(batch.status).toBe(202);
    expect(await batch.json()).toEqual({ accepted: 3 });

    // Poll: a beacon hit sent in a second request may land a moment after the first 202.
    let rows: HitRow[] = [];
    for (let i = 0; i < 20 && rows.length < 4; i++) {
      const drained = await alt(['transform', '--once', '--json']);
      expect(drained.code, drained.stderr).toBe(0);
      rows = await altJson<HitRow[]>(['query', QUERY, '--format', 'json']);
      if (rows.length < 4) await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows.map((r) => [r.source, r.event_type, r.event_name])).toEqual([
      ['beacon', 'event', 'checkout'],
      ['beacon', 'pageview', null],
      ['server', 'request', null],
      ['server', 'request', null],
    ]);
    const [event, pageview, ...server] = rows;
    expect(pageview).toMatchObject({
      url: `${siteUrl}/cart?step=2`,
      status_code: 200,
      client_ip: '127.0.0.0',
    });
    expect(event).toMatchObject({ status: 'SUCCEEDED', status_code: null });
    expect(server.map((r) => [r.status_code, r.status, r.client_ip]).sort()).toEqual([
      [200, 'RUNNING', '2001:db8:abcd::'],
      [500, 'FAILED', '198.51.100.0'],
    ]);
    for (const r of rows) {
      const [y, m, d, h] = r.ts.split(/[-T]/).map(Number);
      expect([r.year, r.month, r.day, r.hour]).toEqual([y, m, d, h]);
    }

    const rollups = await altJson<{ hits: number; dropped_bots: number }[]>([
      'query',
      'SELECT sum(hits)::INTEGER AS hits, sum(dropped_bots)::INTEGER AS dropped_bots FROM hits_hourly',
      '--format',
      'json',
    ]);
    expect(rollups).toEqual([{ hits: 4, dropped_bots: 1 }]);
    const validate = await alt(['validate']);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  }, 180_000);

  it('keeps apps, lake and rollups across a restart', async () => {
    await dev.stop();
    dev = await startDev();
    const apps = await altJson<{ name: string }[]>(['apps', 'list', '--json']);
    expect(apps.map((a) => a.name).sort()).toEqual(['demo', 'e2e shop']);
    const counts = await altJson<{ lake: number; rollups: number }[]>([
      'query',
      'SELECT (SELECT count(*) FROM hits)::INTEGER AS lake, (SELECT sum(hits) FROM hits_hourly)::INTEGER AS rollups',
      '--format',
      'json',
    ]);
    expect(counts).toEqual([{ lake: 4, rollups: 4 }]);
  }, 120_000);
});
