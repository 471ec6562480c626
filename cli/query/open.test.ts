import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { HISTOGRAM_CELLS } from '../../schemas/ddl/aurora.ts';
import { startAdminServer } from '../local/admin.ts';
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
    const engine = await openQueryEngine(loadConfig({ dataDir }, {}));
    try {
      expect((await engine.run('SELECT count(*) FROM hits_hourly')).rows).toEqual([[0]]);
      expect((await engine.run('SELECT count(*) FROM hits')).rows).toEqual([[0]]);
    } finally {
      await engine.close();
    }
    expect(existsSync(join(dataDir, 'pg'))).toBe(false);
  });
});
