import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config.ts';
import { migrate } from '../lib/db/migrate.ts';
import { createPglite } from '../lib/db/pglite.ts';
import type { Sql } from '../lib/db/sql.ts';
import { startAdminServer } from '../lib/local-stack/admin-api.ts';
import { runningDir } from '../lib/local-stack/dev-lock.ts';
import { HISTOGRAM_CELLS } from '../schemas/rollups.ts';
import { ROLLUPS_ADMIN_OP, readRollupRows } from './duckdb-engine.ts';
import { openQueryEngine } from './open.ts';

let root: string;
let db: Sql;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alt-open-'));
  db = await createPglite();
  await migrate(db);
  await db.query("SELECT alt_ensure_month('2026-11-24T00:00:00Z')");
  await db.query(
    `INSERT INTO hits_hourly (app_id, hour, event_type, source, hits, rt_hist)
     VALUES ('alt_0123456789abcdefghijkl', '2026-11-24T10:00:00Z', 'pageview', 'beacon', 7, $1)`,
    [new Array(HISTOGRAM_CELLS).fill(0)],
  );
});
afterAll(async () => {
  await db?.close();
  await rm(root, { recursive: true, force: true });
});

describe('openQueryEngine', () => {
  it('reads hits_hourly through a running alt dev and never opens its PGlite', async () => {
    const dataDir = join(root, 'with-dev');
    const token = 'test-token-0123456789';
    const admin = await startAdminServer(token, { [ROLLUPS_ADMIN_OP]: () => readRollupRows(db) });
    try {
      // The lock of another live process (our parent), as `alt dev` writes it.
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dataDir, { recursive: true });
      await writeFile(
        join(dataDir, 'dev.lock'),
        JSON.stringify({
          pid: process.ppid,
          collectorUrl: 'http://127.0.0.1:1',
          adminPort: admin.port,
          token,
        }),
      );
      const engine = await openQueryEngine(loadConfig({ dataDir }, {}));
      try {
        const r = await engine.run('SELECT hits, hour FROM hits_hourly');
        expect(r.rows).toEqual([[7, '2026-11-24 10:00:00+00']]);
      } finally {
        await engine.close();
      }
      expect(existsSync(join(dataDir, 'pg'))).toBe(false);
    } finally {
      await admin.close();
    }
  });

  it('gives empty rollups without creating a PGlite when the data dir has none', async () => {
    const dataDir = join(root, 'fresh');
    await mkdir(dataDir);
    const engine = await openQueryEngine(loadConfig({ dataDir }, {}));
    try {
      expect((await engine.run('SELECT count(*) FROM hits_hourly')).rows).toEqual([[0]]);
      expect((await engine.run('SELECT count(*) FROM hits')).rows).toEqual([[0]]);
    } finally {
      await engine.close();
    }
    expect(existsSync(join(dataDir, 'pg'))).toBe(false);
  });

  it('refuses a data dir that does not exist, creates nothing, and names the one a running alt dev uses', async () => {
    const missing = join(root, 'does', 'not', 'exist');
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = join(root, 'tmp'); // where alt dev leaves its "running" notes
    try {
      await expect(openQueryEngine(loadConfig({ dataDir: missing }, {}))).rejects.toThrow(
        new RegExp(
          `no ALT data at ${missing} \\(nothing was created there\\)[^]*Start the local stack first`,
        ),
      );
      // A live alt dev (our parent process stands in for it) is named with its data dir.
      await mkdir(runningDir(), { recursive: true });
      await writeFile(
        join(runningDir(), `${process.ppid}.json`),
        JSON.stringify({ dataDir: '/srv/alt-data', collectorUrl: 'http://127.0.0.1:8099' }),
      );
      await expect(openQueryEngine(loadConfig({ dataDir: missing }, {}))).rejects.toThrow(
        'alt dev is running with its data in /srv/alt-data (http://127.0.0.1:8099): pass --data-dir /srv/alt-data',
      );
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    expect(existsSync(join(root, 'does'))).toBe(false);
  });
});
