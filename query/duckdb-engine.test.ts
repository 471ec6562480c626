import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../lib/db/migrate.ts';
import { createPglite } from '../lib/db/pglite.ts';
import type { Sql } from '../lib/db/sql.ts';
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../schemas/columns.ts';
import { HISTOGRAM_CELLS, LATENCY_BUCKETS_MS } from '../schemas/rollups.ts';
import { makeLakeRow, seedLake } from '../test/helpers/seed-lake.ts';
import { createDuckdbEngine } from './duckdb-engine.ts';
import { rowObjects } from './engine.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-duckdb-engine-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expectedColumns = [...LAKE_COLUMNS.map((c) => c.name), ...PARTITION_COLUMNS.map((p) => p.name)];

describe('DuckDB engine over the local lake', () => {
  it('gives an empty hits view with every column when the lake has no files yet', async () => {
    const engine = await createDuckdbEngine({ lakeDir: join(dir, 'no-lake-yet') });
    try {
      const r = await engine.run('SELECT * FROM hits');
      expect(r.columns.map((c) => c.name)).toEqual(expectedColumns);
      expect(r.rows).toEqual([]);
      expect(r.columns.find((c) => c.name === 'hour')?.type).toBe('INTEGER');
      const rollups = await engine.run('SELECT count(*) AS n FROM hits_hourly');
      expect(rollups.rows).toEqual([[0]]);
    } finally {
      await engine.close();
    }
  });

  it('reads seeded rows with integer partitions from the path and UTC timestamps', async () => {
    const lakeDir = join(dir, 'lake-a');
    await seedLake(lakeDir, [
      makeLakeRow({ timestamp: '2026-11-24T09:59:59.123Z', status_code: 404, metadata: '{"ab":"B"}' }),
      makeLakeRow({ timestamp: '2026-11-24T10:00:00.000Z', status: 'RUNNING', status_code: null }),
    ]);
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      const r = await engine.run(
        `SELECT year, month, day, hour, "timestamp", status_code, status, json_extract_scalar(metadata, '$.ab') AS ab
         FROM hits ORDER BY "timestamp"`,
      );
      expect(r.columns.slice(0, 4).map((c) => c.type)).toEqual(['INTEGER', 'INTEGER', 'INTEGER', 'INTEGER']);
      expect(r.rows).toEqual([
        [2026, 11, 24, 9, '2026-11-24 09:59:59.123+00', 404, null, 'B'],
        [2026, 11, 24, 10, '2026-11-24 10:00:00+00', null, 'RUNNING', null],
      ]);
      const all = await engine.run('SELECT * FROM hits LIMIT 1');
      expect(all.columns.map((c) => c.name)).toEqual(expectedColumns);
    } finally {
      await engine.close();
    }
  });

  it("prunes on partition filters: only the filtered hour's data is read", async () => {
    const lakeDir = join(dir, 'lake-prune');
    await seedLake(lakeDir, [
      makeLakeRow({ timestamp: '2026-11-24T10:05:00Z' }),
      makeLakeRow({ timestamp: '2026-11-24T10:06:00Z' }),
      makeLakeRow({ timestamp: '2026-11-24T11:06:00Z' }),
    ]);
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      const pruned = await engine.run(
        'SELECT count(*) AS n FROM hits WHERE year = 2026 AND month = 11 AND day = 24 AND hour = 10',
      );
      expect(pruned.rows).toEqual([[2]]);
      const plan = await engine.run(
        'EXPLAIN ANALYZE SELECT sum(length(url)) FROM hits WHERE year = 2026 AND month = 11 AND day = 24 AND hour = 10',
      );
      expect(String(plan.rows[0][1])).toMatch(/Total Files Read:\s*1\b/);
    } finally {
      await engine.close();
    }
  });

  it('shows one row per log_id before compaction: the earliest received_at, every column', async () => {
    const lakeDir = join(dir, 'lake-dup');
    const first = makeLakeRow({
      timestamp: '2026-11-24T10:05:00.000Z',
      received_at: '2026-11-24T10:05:01.000Z',
      url: 'https://shop.example/first',
    });
    // The same hit again in a later batch file of the hour (a client retry), received later.
    await seedLake(lakeDir, [first, makeLakeRow({ timestamp: '2026-11-24T10:06:00.000Z' })], {
      fileName: 'b.parquet',
    });
    await seedLake(
      lakeDir,
      [{ ...first, received_at: '2026-11-24T10:05:09.000Z', url: 'https://shop.example/retry' }],
      {
        fileName: 'a.parquet',
      },
    );
    // A compacted hour whose late file repeats one of its rows, and one without late files.
    const late = makeLakeRow({ timestamp: '2026-11-24T09:10:00.000Z' });
    await seedLake(lakeDir, [late, makeLakeRow({ timestamp: '2026-11-24T09:20:00.000Z' })], {
      fileName: 'compacted.parquet',
    });
    await seedLake(lakeDir, [{ ...late }], { fileName: 'z-late.parquet' });
    await seedLake(lakeDir, [makeLakeRow({ timestamp: '2026-11-24T08:00:00.000Z' })], {
      fileName: 'compacted.parquet',
    });
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      const all = await engine.run('SELECT * FROM hits ORDER BY "timestamp"');
      expect(all.columns.map((c) => c.name)).toEqual(expectedColumns);
      expect(all.rows).toHaveLength(5);
      const rows = rowObjects(all);
      expect(new Set(rows.map((r) => r.log_id)).size).toBe(5);
      expect(rows.find((r) => r.log_id === first.log_id)).toMatchObject({
        url: 'https://shop.example/first',
        received_at: '2026-11-24 10:05:01+00',
        hour: 10,
      });
      // Filters on the view see the same single row.
      const one = await engine.run(
        `SELECT count(*) AS n FROM hits WHERE hour = 9 AND log_id = '${late.log_id}'`,
      );
      expect(one.rows).toEqual([[1]]);
      // hits_stored keeps every row as the files hold it (what alt validate checks).
      const stored = await engine.run('SELECT count(*) AS n FROM hits_stored');
      expect(stored.rows).toEqual([[7]]);
    } finally {
      await engine.close();
    }
  });

  it('breaks a received_at tie by file name, as compaction does', async () => {
    const lakeDir = join(dir, 'lake-tie');
    const row = makeLakeRow({ timestamp: '2026-11-24T10:05:00.000Z' });
    await seedLake(lakeDir, [{ ...row, url: 'https://shop.example/in-b' }], { fileName: 'b.parquet' });
    await seedLake(lakeDir, [{ ...row, url: 'https://shop.example/in-a' }], { fileName: 'a.parquet' });
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      expect((await engine.run('SELECT url FROM hits')).rows).toEqual([['https://shop.example/in-a']]);
    } finally {
      await engine.close();
    }
  });

  it('names a corrupt file anywhere in the lake and how to rebuild its hour: the view reads every footer (union_by_name)', async () => {
    // The cost of reading version-1 and version-2 files together: DuckDB binds the view from every
    // file's footer, so one unreadable file stops the engine, with its path in the message.
    const lakeDir = join(dir, 'lake-corrupt');
    await seedLake(lakeDir, [makeLakeRow({ timestamp: '2026-11-24T10:05:00Z' })]);
    const other = join(lakeDir, 'hits', 'year=2026', 'month=11', 'day=24', 'hour=11');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, 'corrupt.parquet'), 'this is not parquet');
    const err = await createDuckdbEngine({ lakeDir }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(join(other, 'corrupt.parquet'));
    // … and what to do: rebuild its hour from raw/ (replay replaces the hour's files), or move it aside.
    expect(err?.message).toContain('alt replay --from raw --hours 2026-11-24T11');
    expect(err?.message).toContain(`move the file out of ${lakeDir}`);
  });

  it('runs several statements in order and answers with the last; refuses a query that is not last', async () => {
    const engine = await createDuckdbEngine({ lakeDir: join(dir, 'none') });
    try {
      const r = await engine.run('CREATE TABLE t AS SELECT 41 AS x; SELECT x + 1 AS y FROM t;');
      expect(rowObjects(r)).toEqual([{ y: 42 }]);
      await expect(engine.run('  ;  ')).rejects.toThrow('no SQL statement given');
      // A query before the last would lose its rows without a word.
      await expect(engine.run('SELECT 1; SELECT 2')).rejects.toThrow(/statement 1 of 2 is a query/);
    } finally {
      await engine.close();
    }
  });

  it('speaks the Trino functions the docs use, with Trino semantics', async () => {
    const engine = await createDuckdbEngine({ lakeDir: join(dir, 'none') });
    try {
      const r = await engine.run(`
        SELECT date_diff('minute', from_iso8601_timestamp('2026-11-24T10:59:59Z'), from_iso8601_timestamp('2026-11-24T11:00:00Z')) AS whole_minutes,
               (SELECT approx_percentile(i, 0.95) FROM range(1, 101) t(i)) AS p95,
               url_extract_host('https://shop.example/cart?x=1') AS host,
               url_extract_path('https://shop.example/cart?x=1') AS path,
               regexp_like('FAILED', '^FAIL') AS failed,
               to_iso8601(from_iso8601_timestamp('2026-11-24T10:00:00Z')) AS iso`);
      expect(rowObjects(r)).toEqual([
        {
          whole_minutes: 0,
          p95: 95,
          host: 'shop.example',
          path: '/cart',
          failed: true,
          iso: '2026-11-24T10:00:00.000Z',
        },
      ]);
    } finally {
      await engine.close();
    }
  });
});

describe('hits_hourly from the rollup store', () => {
  let db: Sql;
  const app = 'alt_0123456789abcdefghijkl';
  const hist = (counts: Record<number, number>) =>
    Array.from({ length: HISTOGRAM_CELLS }, (_, i) => counts[i] ?? 0);
  beforeAll(async () => {
    db = await createPglite();
    await migrate(db);
    await db.query("SELECT alt_ensure_month('2026-11-24T00:00:00Z')");
    const insert = `INSERT INTO hits_hourly (app_id, hour, client_sub_id, module_id, event_type, source, status_code, status, hits, rt_count, rt_sum, rt_hist)
      VALUES ($1, $2, NULL, $3, 'pageview', 'beacon', 200, NULL, $4, $4, $5, $6)`;
    await db.query(insert, [app, '2026-11-24T10:00:00Z', 'cart', 90, 9000, hist({ 5: 90 })]);
    await db.query(insert, [app, '2026-11-24T11:00:00Z', 'cart', 10, 20000, hist({ 13: 10 })]);
  });
  afterAll(async () => db?.close());

  it('loads the rollups and computes the same P99 as PostgreSQL', async () => {
    const engine = await createDuckdbEngine({ lakeDir: join(dir, 'none'), rollups: db });
    try {
      const sql = `SELECT app_id, CAST(sum(hits) AS integer) AS hits, alt_hist_quantile(alt_hist_sum(rt_hist), 0.5) AS p50,
        alt_hist_quantile(alt_hist_sum(rt_hist), 0.99) AS p99 FROM hits_hourly GROUP BY app_id`;
      const local = rowObjects(await engine.run(sql));
      const pg = (await db.query(sql)).rows;
      expect(local).toEqual([
        { app_id: app, hits: 100, p50: LATENCY_BUCKETS_MS[5], p99: LATENCY_BUCKETS_MS[13] },
      ]);
      expect(pg).toEqual(local);
      const hours = await engine.run('SELECT hour FROM hits_hourly ORDER BY hour');
      expect(hours.rows).toEqual([['2026-11-24 10:00:00+00'], ['2026-11-24 11:00:00+00']]);
    } finally {
      await engine.close();
    }
  });

  it('takes rows from a provider (the dev admin API path)', async () => {
    const engine = await createDuckdbEngine({
      lakeDir: join(dir, 'none'),
      rollups: async () => [
        {
          app_id: app,
          hour: new Date('2026-11-24T12:00:00Z'),
          event_type: 'request',
          source: 'server',
          status: 'FAILED',
          hits: 3,
          rt_hist: hist({ 0: 3 }),
        },
      ],
    });
    try {
      const r = await engine.run(
        'SELECT status, hits, status_code, alt_hist_quantile(rt_hist, 0.95) AS p95 FROM hits_hourly',
      );
      expect(r.rows).toEqual([['FAILED', 3, null, LATENCY_BUCKETS_MS[0]]]);
    } finally {
      await engine.close();
    }
  });
});
