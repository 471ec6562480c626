/**
 * The I/O shell around the pure core: one stream batch → raw/, bad/, hits/ objects, then the
 * rollups with their ledger row. Order matters for exactly-once: every object is written (under a
 * deterministic name, so a retry overwrites it) before the rollup transaction commits; the caller
 * checkpoints the stream only after this resolves.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamBatch } from '../stream/contract.ts';
import type { OutcomeCounts } from './core/outcome.ts';
import type { Planner } from './core/parallel-planner.ts';
import { type BatchCounts, type BatchPlan, type PlanOptions, planBatch, releasePlan } from './core/plan.ts';
import type { ObjectStore } from './lake/object-store.ts';
import { badKey, batchName, hitsKey, rawKey } from './lake/paths.ts';
import { encodeRaw } from './lake/raw.ts';
import type { ParquetWriter } from './parquet/writer.ts';
import type { RollupStore } from './rollups/store.ts';

export interface ProcessorDeps {
  store: ObjectStore;
  writer: ParquetWriter;
  /** Absent: no rollups (lake only). */
  rollups?: RollupStore;
  /** How batches are planned (default: `planBatch` on this thread; see `parallel-planner.ts`). */
  planner?: Planner;
  /** Crash-injection seam for tests: runs after the lake writes, before the rollup commit. */
  beforeRollups?(plan: BatchPlan): void | Promise<void>;
}

export interface ProcessOptions extends PlanOptions {
  /** Archive the input in raw/ (false when replaying from raw/). Default true. */
  writeRaw?: boolean;
  /** Write rejected records to bad/. Default true. */
  writeBad?: boolean;
  /** Commit rollups. Default true (when a RollupStore is given). */
  applyRollups?: boolean;
}

export interface BatchResult {
  shardId: string;
  firstSeq: string;
  lastSeq: string;
  counts: BatchCounts;
  /** Every line's outcome by reason (`core/outcome.ts`), for the metrics. */
  outcomes: OutcomeCounts;
  /** Hour partitions that received a file. */
  partitions: string[];
  /** Object keys written. */
  keys: string[];
  rollups: 'applied' | 'duplicate' | 'skipped';
}

export interface BatchProcessor {
  process(batch: StreamBatch, opts?: ProcessOptions): Promise<BatchResult>;
}

export function createBatchProcessor(deps: ProcessorDeps): BatchProcessor {
  return {
    async process(batch, opts = {}) {
      const plan = deps.planner ? await deps.planner.plan(batch, opts) : planBatch(batch, opts);
      const name = batchName(plan.shardId, plan.firstSeq, plan.lastSeq);
      const keys: string[] = [];

      if (opts.writeRaw !== false) {
        const key = rawKey(plan.arrivedAt, name);
        await deps.store.put(key, encodeRaw(batch));
        keys.push(key);
      }
      if (opts.writeBad !== false && plan.bad.length > 0) {
        const key = badKey(plan.arrivedAt, name);
        await deps.store.put(key, Buffer.from(plan.bad.map((b) => `${JSON.stringify(b)}\n`).join('')));
        keys.push(key);
      }
      if (plan.partitions.length > 0) {
        const dir = await mkdtemp(join(tmpdir(), 'alt-batch-'));
        try {
          for (const [i, group] of plan.partitions.entries()) {
            const file = join(dir, `${i}.parquet`);
            await deps.writer.write(group, file);
            const key = hitsKey(group.partition, name);
            await deps.store.put(key, { file });
            keys.push(key);
            await rm(file, { force: true });
          }
          // Written: the plan's rebuilt lines are no longer read, their memory serves the next batch.
          releasePlan(plan);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }

      await deps.beforeRollups?.(plan);
      let rollups: BatchResult['rollups'] = 'skipped';
      if (deps.rollups && opts.applyRollups !== false) {
        rollups = await deps.rollups.applyBatch({
          shardId: plan.shardId,
          firstSeq: plan.firstSeq,
          lastSeq: plan.lastSeq,
          rows: plan.counts.lakeRows,
          deltas: plan.deltas,
        });
      }
      return {
        shardId: plan.shardId,
        firstSeq: plan.firstSeq,
        lastSeq: plan.lastSeq,
        counts: plan.counts,
        outcomes: plan.outcomes,
        partitions: plan.partitions.map((p) => p.partition),
        keys,
        rollups,
      };
    },
  };
}
