import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auroraMigrations } from '../../schemas/ddl/aurora.ts';
import { HISTOGRAM_CELLS, LATENCY_BUCKETS_MS } from '../../schemas/rollups.ts';
import { databaseBackends } from '../../test/helpers/databases.ts';
import { assertMigrated, migrate } from './migrate.ts';
import type { Sql } from './sql.ts';

const backends = databaseBackends({ migrated: false });

describe.each(backends)('Aurora migrations on %s', (_name, available, open) => {
  let db: Sql;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ db, done } = await open());
  });
  afterAll(async () => done?.());

  it.runIf(available)('apply once, then are a no-op', async () => {
    expect(await migrate(db)).toEqual(auroraMigrations().map((m) => m.id));
    expect(await migrate(db)).toEqual([]);
    const tables = await db.query<{ t: string }>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
    );
    expect(tables.rows.map((r) => r.t)).toEqual(
      expect.arrayContaining(['applications', 'hits_hourly', 'transform_batches', 'schema_migrations']),
    );
  });

  it.runIf(available)('creates monthly partitions ahead and on demand', async () => {
    const now = new Date();
    const name = `hits_hourly_${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const parts = await db.query<{ p: string }>(
      // Scoped to this test's schema: other test files migrate their own schemas in the same database.
      "SELECT c.relname AS p FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.oid = 'hits_hourly'::regclass",
    );
    expect(parts.rows.map((r) => r.p)).toContain(name);
    expect(parts.rows.length).toBe(5);
    await db.query("SELECT alt_ensure_month('2021-02-10T00:00:00Z')");
    await db.query("SELECT alt_ensure_month('2021-02-28T23:59:59Z')");
    const again = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'hits_hourly_202102' AND relnamespace = current_schema()::regnamespace",
    );
    expect(again.rows[0].n).toBe(1);
  });

  it.runIf(available)('upserts rollups with NULL dimensions into one row and merges histograms', async () => {
    const hist = (cell: number) => {
      const h = new Array(HISTOGRAM_CELLS).fill(0);
      h[cell] = 1;
      return h;
    };
    const upsert = `
      INSERT INTO hits_hourly (app_id, hour, client_sub_id, module_id, event_type, source, status_code, status,
                               hits, rt_count, rt_sum, rt_hist)
      VALUES ($1, '2021-02-10T05:00:00Z', NULL, NULL, 'pageview', 'beacon', 404, NULL, 1, 1, $2, $3)
      ON CONFLICT (app_id, hour, client_sub_id, module_id, event_type, source, status_code, status)
      DO UPDATE SET hits = hits_hourly.hits + EXCLUDED.hits, rt_count = hits_hourly.rt_count + EXCLUDED.rt_count,
        rt_sum = hits_hourly.rt_sum + EXCLUDED.rt_sum, rt_hist = alt_hist_add(hits_hourly.rt_hist, EXCLUDED.rt_hist)`;
    const app = 'alt_0123456789abcdefghijkl';
    await db.query(upsert, [app, 3, hist(0)]);
    await db.query(upsert, [app, 40, hist(3)]);
    const rows = await db.query<{
      hits: number;
      rt_sum: number;
      rt_hist: number[];
      p50: number;
      p99: number;
    }>(
      'SELECT hits, rt_sum, rt_hist, alt_hist_quantile(rt_hist, 0.5) AS p50, alt_hist_quantile(rt_hist, 0.99) AS p99 FROM hits_hourly WHERE app_id = $1',
      [app],
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({
      hits: 2,
      rt_sum: 43,
      p50: LATENCY_BUCKETS_MS[0],
      p99: LATENCY_BUCKETS_MS[3],
    });
    expect(rows.rows[0].rt_hist.reduce((a, b) => a + b, 0)).toBe(2);
    const empty = await db.query<{ p: number | null }>(
      'SELECT alt_hist_quantile(array_fill(0::bigint, ARRAY[$1::int]), 0.95) AS p',
      [LATENCY_BUCKETS_MS.length + 1],
    );
    expect(empty.rows[0].p).toBeNull();
    const summed = await db.query<{ h: number[] }>('SELECT alt_hist_sum(rt_hist) AS h FROM hits_hourly');
    expect(summed.rows[0].h).toEqual(rows.rows[0].rt_hist);
  });

  it.runIf(available)('rejects bad registry rows: sequential ids, unknown bot policy', async () => {
    await expect(
      db.query(
        "INSERT INTO applications (app_id, name, write_key_sha256) VALUES ('1', 'x', repeat('a', 64))",
      ),
    ).rejects.toThrow();
    await expect(
      db.query(
        "INSERT INTO applications (app_id, name, bot_policy, write_key_sha256) VALUES ('alt_0123456789abcdefghijkl', 'x', 'maybe', repeat('a', 64))",
      ),
    ).rejects.toThrow();
  });
});

describe.each(backends)('schema check on %s', (_name, available, open) => {
  it.runIf(available)('names the migrations a database lacks, and passes once they are applied', async () => {
    const { db, done } = await open();
    try {
      await expect(assertMigrated(db)).rejects.toThrow(
        /migrations 0001_init, 0002_visitor_salts, 0003_component_roles, 0004_hist_quantile_empty are not applied/,
      );
      const [first] = auroraMigrations();
      await migrate(db, [first]);
      await expect(assertMigrated(db)).rejects.toThrow(
        /migrations 0002_visitor_salts, 0003_component_roles, 0004_hist_quantile_empty are not/,
      );
      await migrate(db);
      await expect(assertMigrated(db)).resolves.toBeUndefined();
    } finally {
      await done();
    }
  });
});
