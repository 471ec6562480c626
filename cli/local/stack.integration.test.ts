/**
 * `startLocalStack` in process: hits posted to its collector reach the lake through `drain()`, the
 * admin API named in `dev.lock` answers, and `stop()` drops the lock. The `alt dev` subprocess path
 * is covered end to end in test/e2e/.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { dataDirLayout } from '../../lib/data-dir.ts';
import { callAdmin } from '../../lib/local-stack/admin-api.ts';
import type { DevLock } from '../../lib/local-stack/dev-lock.ts';
import { partitionStart } from '../../transformer/lake/paths.ts';
import { startLocalStack } from './stack.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'alt-stack-'));
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
});
