import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../lib/db/sql.ts';
import { HISTOGRAM_CELLS } from '../../schemas/rollups.ts';
import { databaseBackends } from '../../test/helpers/databases.ts';
import { computeDeltas } from '../core/rollup.ts';
import { makeRow } from '../testing/fixtures.ts';
import { createSqlRollupStore } from './sql-store.ts';

const SUM = `SELECT coalesce(sum(hits), 0)::int AS hits, coalesce(sum(bot_hits), 0)::int AS bot_hits,
  coalesce(sum(dropped_bots), 0)::int AS dropped_bots, coalesce(sum(rt_count), 0)::int AS rt_count,
  coalesce(sum(rt_sum), 0)::int AS rt_sum, alt_hist_sum(rt_hist) AS rt_hist, count(*)::int AS keys
  FROM hits_hourly WHERE hour = $1`;

describe.each(databaseBackends())('SQL rollup store on %s', (_name, available, open) => {
  let db: Sql;
  let done: () => Promise<void>;
  beforeAll(async () => {
    if (available) ({ db, done } = await open());
  });
  afterAll(async () => done?.());

  it.runIf(available)('applies a batch once: the same ledger key again changes nothing', async () => {
    const store = createSqlRollupStore(db);
    // A month far from now: its partition must be created on demand.
    const ts = '2031-07-04T09:30:00Z';
    const lake = [
      makeRow({ timestamp: ts, response_time_ms: 3 }),
      makeRow({ timestamp: ts, response_time_ms: 40_000, is_bot: true }),
      makeRow({
        timestamp: ts,
        response_time_ms: null,
        status_code: null,
        status: 'FAILED',
        client_sub_id: 't1',
      }),
    ];
    const deltas = computeDeltas(lake, [makeRow({ timestamp: ts })]);
    const batch = { shardId: 's', firstSeq: '1', lastSeq: '3', rows: 3, deltas };
    expect(await store.applyBatch(batch)).toBe('applied');
    expect(await store.applyBatch(batch)).toBe('duplicate');
    const s = (await db.query<Record<string, unknown>>(SUM, ['2031-07-04T09:00:00Z'])).rows[0];
    const hist = new Array(HISTOGRAM_CELLS).fill(0);
    hist[0] = 1;
    hist[HISTOGRAM_CELLS - 1] = 1;
    expect(s).toMatchObject({
      hits: 3,
      bot_hits: 1,
      dropped_bots: 1,
      rt_count: 2,
      rt_sum: 40_003,
      rt_hist: hist,
    });
    const ledger = await db.query<{ rows: number }>('SELECT rows FROM transform_batches');
    expect(ledger.rows).toEqual([{ rows: 3 }]);

    // A second batch adds to the same keys.
    expect(await store.applyBatch({ ...batch, firstSeq: '4', lastSeq: '4' })).toBe('applied');
    const s2 = (await db.query<Record<string, unknown>>(SUM, ['2031-07-04T09:00:00Z'])).rows[0];
    expect(s2).toMatchObject({ hits: 6, dropped_bots: 2, rt_sum: 80_006 });
  });

  it.runIf(available)('rolls back the ledger row when the upsert fails, so a retry applies', async () => {
    const store = createSqlRollupStore(db);
    const deltas = computeDeltas([makeRow({ timestamp: '2031-08-01T00:00:00Z' })]);
    const broken = [{ ...deltas[0], rt_hist: [1, 2] }]; // violates the histogram size CHECK
    await expect(
      store.applyBatch({ shardId: 'x', firstSeq: '1', lastSeq: '1', rows: 1, deltas: broken }),
    ).rejects.toThrow();
    expect(await store.applyBatch({ shardId: 'x', firstSeq: '1', lastSeq: '1', rows: 1, deltas })).toBe(
      'applied',
    );
  });

  it.runIf(available)(
    'replaceHour sets lake counters, zeroes keys not in the lake, keeps dropped_bots',
    async () => {
      const store = createSqlRollupStore(db);
      const ts = '2031-09-10T11:05:00Z';
      const a = makeRow({ timestamp: ts, module_id: 'a', response_time_ms: 10 });
      const b = makeRow({ timestamp: ts, module_id: 'b', response_time_ms: 20 });
      await store.applyBatch({
        shardId: 'r',
        firstSeq: '1',
        lastSeq: '1',
        rows: 3,
        // `a` counted twice (a cross-batch duplicate), `b` once, one dropped bot on b's key.
        deltas: computeDeltas([a, a, b], [makeRow({ ...b, log_id: 'bot' })]),
      });
      await store.replaceHour(new Date('2031-09-10T11:00:00Z'), computeDeltas([a]));
      const rows = await db.query<{ module_id: string; hits: number; rt_sum: number; dropped_bots: number }>(
        "SELECT module_id, hits::int, rt_sum::int, dropped_bots::int FROM hits_hourly WHERE hour = '2031-09-10T11:00:00Z' ORDER BY module_id",
      );
      expect(rows.rows).toEqual([
        { module_id: 'a', hits: 1, rt_sum: 10, dropped_bots: 0 },
        { module_id: 'b', hits: 0, rt_sum: 0, dropped_bots: 1 },
      ]);
    },
  );
});
