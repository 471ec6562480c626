/**
 * Version-1 and version-2 files in one hour (DESIGN §3): a lake written before schema 2 keeps its
 * files, and the hour a deploy falls in holds both. The local `hits` view reads both (version-1
 * rows with NULL in the schema-2 columns), and compaction merges them into one version-2 file.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckdbEngine } from '../../query/duckdb-engine.ts';
import { rowObjects } from '../../query/engine.ts';
import { LAKE_COLUMNS } from '../../schemas/columns.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { fragmentOf } from '../../transformer/core/derive.ts';
import { planBatch } from '../../transformer/core/plan.ts';
import { createFsStore } from '../../transformer/lake/fs-store.ts';
import { compactHour } from '../../transformer/maintenance/compact.ts';
import { openDuckdb } from '../../transformer/parquet/duckdb-sql.ts';
import { createWriter } from '../../transformer/parquet/index.ts';
import { makeBatch } from '../../transformer/testing/fixtures.ts';
import { columnsOf, makeLakeRow, seedLake } from '../helpers/seed-lake.ts';

const HOUR = 'year=2026/month=11/day=24/hour=10';
let lakeDir: string;

beforeAll(async () => {
  lakeDir = await mkdtemp(join(tmpdir(), 'alt-mixed-'));
});
afterAll(async () => {
  if (lakeDir) await rm(lakeDir, { recursive: true, force: true });
});

async function fileColumns(file: string): Promise<string[]> {
  const db = await openDuckdb();
  try {
    const r = await db.conn.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)}, hive_partitioning = false)`,
    );
    return r.getRowObjectsJS().map((c) => String(c.column_name));
  } finally {
    db.close();
  }
}

const SELECT = `SELECT log_id, schema_version, country, browser, url_host, lcp_ms, cls, status_code
  FROM hits WHERE year = 2026 AND month = 11 AND day = 24 AND hour = 10 ORDER BY log_id`;

describe('an hour with version-1 and version-2 files', () => {
  // log …01 is in both files, received earlier in the version-1 one: compaction keeps that copy.
  const v1Rows = [
    makeLakeRow({ log_id: '0193a000-0000-7000-8000-000000000001', schema_version: 1, status_code: 404 }),
    makeLakeRow({ log_id: '0193a000-0000-7000-8000-000000000002', schema_version: 1 }),
  ];
  const v2Rows = [
    makeLakeRow({
      log_id: '0193a000-0000-7000-8000-000000000001',
      received_at: '2026-11-24T10:16:00.000Z',
      country: 'FR',
    }),
    makeLakeRow({
      log_id: '0193a000-0000-7000-8000-000000000003',
      event_type: 'event',
      event_name: 'web_vitals',
      country: 'US',
      lcp_ms: 1800,
      cls: 0.25,
    }),
  ];

  it('holds a real version-1 file (22 columns) beside one the transformer writes now (42)', async () => {
    const [v1File] = await seedLake(lakeDir, v1Rows, { schemaVersion: 1, fileName: 'a-v1.parquet' });
    expect(await fileColumns(v1File)).toEqual(columnsOf(1).map((c) => c.name));
    expect(columnsOf(1).at(-1)?.name).toBe('schema_version');

    const plan = planBatch(makeBatch([v2Rows]), {
      deriveFragment: (hit) => fragmentOf({ browser: 'Chrome', url_host: new URL(hit.url ?? '').hostname }),
    });
    expect(plan.partitions.map((p) => p.partition)).toEqual([HOUR]);
    const writer = await createWriter('duckdb');
    const v2File = join(lakeDir, 'hits', HOUR, 'b-v2.parquet');
    await writer.write(plan.partitions[0], v2File);
    await writer.close();
    expect(await fileColumns(v2File)).toEqual(LAKE_COLUMNS.map((c) => c.name));
  });

  const v1Read = (log: string, status_code: number | null) => ({
    log_id: `0193a000-0000-7000-8000-00000000000${log}`,
    schema_version: 1,
    country: null,
    browser: null,
    url_host: null,
    lcp_ms: null,
    cls: null,
    status_code,
  });
  const v2Read = (log: string, over: Record<string, unknown>) => ({
    log_id: `0193a000-0000-7000-8000-00000000000${log}`,
    schema_version: 2,
    browser: 'Chrome',
    url_host: 'shop.example',
    lcp_ms: null,
    cls: null,
    status_code: 200,
    ...over,
  });

  it('reads both through the local hits view: version-1 rows have NULL schema-2 columns', async () => {
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      const got = rowObjects(await engine.run(SELECT));
      const one = v1Read('1', 404).log_id;
      expect(got.filter((r) => r.log_id !== one)).toEqual([
        v1Read('2', 200),
        v2Read('3', { country: 'US', lcp_ms: 1800, cls: 0.25 }),
      ]);
      // Until compaction the hour holds both copies of …01; the earlier (version-1) one is read
      // either way (a view that removes repeats at query time keeps it).
      expect(got.filter((r) => r.log_id === one)).toContainEqual(v1Read('1', 404));
      const types = rowObjects(await engine.run('DESCRIBE hits'));
      expect(types.find((t) => t.column_name === 'cls')?.column_type).toBe('DOUBLE');
    } finally {
      await engine.close();
    }
  });

  it('compacts them into one version-2 file, version-1 rows keeping NULLs, one row per log_id', async () => {
    const r = await compactHour({ store: createFsStore(lakeDir) }, HOUR);
    expect(r).toMatchObject({ inputs: 2, rowsIn: 4, rowsOut: 3 });
    const dir = join(lakeDir, 'hits', HOUR);
    expect(await readdir(dir)).toEqual(['compacted.parquet']);
    expect(await fileColumns(join(dir, 'compacted.parquet'))).toEqual(LAKE_COLUMNS.map((c) => c.name));
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      // The file is version 2, so every row in it says 2; the version-1 rows' columns stay NULL.
      expect(rowObjects(await engine.run(SELECT))).toEqual([
        { ...v1Read('1', 404), schema_version: 2 },
        { ...v1Read('2', 200), schema_version: 2 },
        v2Read('3', { country: 'US', lcp_ms: 1800, cls: 0.25 }),
      ]);
    } finally {
      await engine.close();
    }
  });
});
