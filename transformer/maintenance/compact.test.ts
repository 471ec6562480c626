/**
 * Compaction recomputes an hour's rollups from the lake with the counters' SQL aggregates
 * (`schemas/rollups.ts`); the batch path counts the same rows hit by hit (`core/rollup.ts`). The
 * two must agree on every counter and histogram cell, or compaction would rewrite the rollups.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../schemas/lake.ts';
import { LATENCY_BUCKETS_MS } from '../../schemas/rollups.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';
import { deltaKey } from '../core/merge-plans.ts';
import { computeDeltas, type RollupDelta } from '../core/rollup.ts';
import { createFsStore } from '../lake/fs-store.ts';
import type { RollupStore } from '../rollups/store.ts';
import { compactHour } from './compact.ts';

const byKey = (ds: readonly RollupDelta[]) => new Map(ds.map((d) => [deltaKey(d), d]));

describe('compactHour rollups', () => {
  it('equal the batch path’s deltas for the same rows (dropped_bots aside)', async () => {
    const lakeDir = await mkdtemp(join(tmpdir(), 'alt-compact-rollups-'));
    try {
      const latencies = [null, 0, ...LATENCY_BUCKETS_MS, ...LATENCY_BUCKETS_MS.map((b) => b + 1), 99_999];
      const rows = latencies.flatMap((ms, i) => [
        makeLakeRow({ timestamp: '2026-11-24T10:15:00.000Z', response_time_ms: ms, is_bot: i % 3 === 0 }),
        makeLakeRow({
          timestamp: '2026-11-24T10:45:00.000Z',
          response_time_ms: ms,
          status_code: i % 2 ? 500 : null,
          module_id: i % 4 ? 'cart' : null,
          source: 'server',
          event_type: 'request',
        }),
      ]);
      await seedLake(lakeDir, rows);
      let replaced: readonly RollupDelta[] = [];
      const rollups: RollupStore = {
        applyBatch: async () => 'applied',
        replaceHour: async (_hour, deltas) => {
          replaced = deltas;
        },
      };
      await compactHour({ store: createFsStore(lakeDir), rollups }, partitionOf(rows[0].timestamp));
      const expected = byKey(computeDeltas(rows));
      const got = byKey(replaced);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [k, d] of expected) expect(got.get(k), k).toEqual(d);
    } finally {
      await rm(lakeDir, { recursive: true, force: true });
    }
  });
});
