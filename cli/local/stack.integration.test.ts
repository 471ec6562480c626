/**
 * `startLocalStack` in process: hits posted to its collector reach the lake through `drain()`, the
 * admin API named in `dev.lock` answers, and `stop()` drops the lock; the transformer runs in a
 * process of its own at a lower priority, reports its lag on `/metrics`, and is restarted when it
 * dies without losing what the collector acknowledged. The `alt dev` subprocess path is covered end
 * to end in test/e2e/.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { dataDirLayout } from '../../lib/data-dir.ts';
import { callAdmin } from '../../lib/local-stack/admin-api.ts';
import type { DevLock } from '../../lib/local-stack/dev-lock.ts';
import { ROLLUPS_ADMIN_OP } from '../../query/duckdb-engine.ts';
import { partitionStart } from '../../transformer/lake/paths.ts';
import { startLocalStack } from './stack.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'alt-stack-'));

/** A process's niceness, field 19 of /proc/<pid>/stat (after the parenthesised command name). */
const niceness = (pid: number | 'self'): number =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
/** A process's scheduling policy, field 41 of /proc/<pid>/stat (5: SCHED_IDLE, sched(7)). */
const policy = (pid: number): number =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[38]);
const SCHED_IDLE = 5;

/** One series of the collector's `/metrics` (unlabelled), or undefined. */
async function metric(collectorUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${collectorUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function postBatch(
  collectorUrl: string,
  appId: string,
  writeKey: string,
  paths: string[],
): Promise<Response> {
  return fetch(`${collectorUrl}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
    body: JSON.stringify({
      hits: paths.map((p) => ({ app_id: appId, event_type: 'request', url: `https://api.shop.example${p}` })),
    }),
  });
}
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('startLocalStack', () => {
  it('collects, drains into the lake, compacts on demand, answers the admin API and stops', async () => {
    // An empty environment: the stack's own PGlite, never the suite's DATABASE_URL.
    const config = loadConfig({ dataDir, port: '0', flushIntervalSec: '3600', logLevel: 'silent' }, {});
    const stack = await startLocalStack(config);
    try {
      const { app, writeKey } = await stack.registry.create({ name: 'shop', origins: [] });
      const res = await fetch(`${stack.collectorUrl}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
        body: JSON.stringify({
          hits: [
            { app_id: app.appId, event_type: 'request', url: 'https://api.shop.example/a', status_code: 200 },
            { app_id: app.appId, event_type: 'request', url: 'https://api.shop.example/b', status_code: 500 },
          ],
        }),
      });
      expect(res.status).toBe(202);

      // The collector answers 202 once the stream holds the hits, so one drain sees both.
      // The hits' hour is the open one: a drain never compacts it (DESIGN §5).
      const drained = await stack.drain();
      expect(drained).toMatchObject({ lakeRows: 2, bad: 0, hours: [] });
      const hitsDir = join(dataDirLayout(dataDir).lake, 'hits');
      const files = readdirSync(hitsDir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.parquet'));
      expect(files).toHaveLength(1);
      expect(files[0]).not.toMatch(/compacted\.parquet$/);
      expect(await stack.drain()).toMatchObject({ records: 0, hours: [] });
      // `alt compact --hour` still compacts any hour on demand.
      const hour = dirname(files[0]);
      const asArg = partitionStart(hour).toISOString().slice(0, 13);
      expect(await stack.compact(asArg)).toMatchObject({ inputs: 1, rowsOut: 2 });
      expect(existsSync(join(hitsDir, hour, 'compacted.parquet'))).toBe(true);

      // readDevLock ignores a lock held by the calling process, so read the file itself.
      const lock = JSON.parse(readFileSync(dataDirLayout(dataDir).lockFile, 'utf8')) as DevLock;
      expect(lock).toMatchObject({
        pid: process.pid,
        collectorUrl: stack.collectorUrl,
        adminPort: stack.adminPort,
      });
      const apps = await callAdmin<{ app_id: string }[]>(lock, 'appsList');
      expect(apps.map((a) => a.app_id)).toEqual([app.appId]);
    } finally {
      await stack.stop();
    }
    expect(existsSync(dataDirLayout(dataDir).lockFile)).toBe(false);
  }, 120_000);

  it('transforms in a lower-priority process of its own, reports lag on /metrics, and survives that process dying', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alt-stack-lag-'));
    const config = loadConfig({ dataDir: dir, port: '0', flushIntervalSec: '3600', logLevel: 'silent' }, {});
    const lines: string[] = [];
    const stack = await startLocalStack(config, { log: (l) => lines.push(l) });
    try {
      const pid = stack.transformerPid();
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(process.pid);
      expect(niceness(pid as number)).toBeGreaterThan(niceness('self'));
      // Where chrt exists (util-linux, on every Debian), it runs only when the collector does not.
      if (existsSync('/usr/bin/chrt')) expect(policy(pid as number)).toBe(SCHED_IDLE);

      const { app, writeKey } = await stack.registry.create({ name: 'lagging', origins: [] });
      expect(await metric(stack.collectorUrl, 'alt_transformer_lag_hits')).toBe(0);
      expect((await postBatch(stack.collectorUrl, app.appId, writeKey, ['/a', '/b', '/c'])).status).toBe(202);
      // Acknowledged, not transformed (the timer is an hour away): three hits behind, and ageing.
      await until(
        'lag of 3 hits',
        async () => (await metric(stack.collectorUrl, 'alt_transformer_lag_hits')) === 3,
      );
      await sleep(1100);
      expect(await metric(stack.collectorUrl, 'alt_transformer_lag_seconds')).toBeGreaterThanOrEqual(1);

      expect(await stack.drain()).toMatchObject({ lakeRows: 3 });
      expect(await metric(stack.collectorUrl, 'alt_transformer_lag_hits')).toBe(0);
      expect(await metric(stack.collectorUrl, 'alt_transformer_lag_seconds')).toBe(0);
      const text = await (await fetch(`${stack.collectorUrl}/metrics`)).text();
      expect(text).toContain('alt_transformer_records_total{outcome="ok",reason="ok"} 3');

      // The transformer process dies: the collector keeps acknowledging from its cache, a new
      // process takes over, and nothing acknowledged is lost.
      process.kill(pid as number, 'SIGKILL');
      expect((await postBatch(stack.collectorUrl, app.appId, writeKey, ['/d', '/e'])).status).toBe(202);
      await until('a restarted transformer process', async () => {
        const now = stack.transformerPid();
        return now !== undefined && now !== pid;
      });
      await until('the restarted process to answer', () =>
        stack.drain().then(
          () => true,
          () => false,
        ),
      );
      expect(lines.some((l) => l.includes('restarting'))).toBe(true);
      expect(await metric(stack.collectorUrl, 'alt_transformer_lag_hits')).toBe(0);
      const rollups = (await callAdminRollups(dir)).reduce((n, r) => n + Number(r.hits), 0);
      expect(rollups).toBe(5);
    } finally {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

async function callAdminRollups(dir: string): Promise<{ hits: number | string }[]> {
  const lock = JSON.parse(readFileSync(dataDirLayout(dir).lockFile, 'utf8')) as DevLock;
  return callAdmin(lock, ROLLUPS_ADMIN_OP);
}
