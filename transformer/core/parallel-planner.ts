/**
 * Plans a batch on two cores: the second half of its records in a worker thread while this thread
 * plans the first, then `mergePlans`. The plan is the same as `planBatch`'s (a property test holds
 * the merge to that); when the halves kept a common `log_id`, or the worker fails, the whole batch
 * is planned here instead. Worth it only with a second CPU and a batch of some size.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReadRecord, StreamBatch } from '../../stream/contract.ts';
import { LogIdSet, type LogIdSetData } from './log-id-set.ts';
import { mergePlans } from './merge-plans.ts';
import { type BatchPlan, type PlanOptions, planBatch, planWithIds } from './plan.ts';

export interface Planner {
  plan(batch: StreamBatch, opts?: PlanOptions): Promise<BatchPlan>;
  close(): Promise<void>;
}

export interface PlanRequest {
  id: number;
  shardId: string;
  records: ReadRecord[];
  onlyPartitions?: string[];
}

export type PlanResponse =
  | { id: number; ok: true; plan: BatchPlan; lakeIds: LogIdSetData; droppedIds: LogIdSetData }
  | { id: number; ok: false; error: string };

/** Below this many records a batch is planned in one piece: the hand-off would cost more. */
export const MIN_RECORDS_TO_SPLIT = 8;

export const serialPlanner: Planner = {
  plan: async (batch, opts) => planBatch(batch, opts),
  close: async () => {},
};

/** Two cores or more: the parallel planner; else the serial one. */
export function createPlanner(): Planner {
  return availableParallelism() > 1 ? createParallelPlanner() : serialPlanner;
}

export function createParallelPlanner(): Planner & { stats(): { split: number; whole: number } } {
  let worker: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve(r: PlanResponse): void; reject(e: Error): void }>();
  const stats = { split: 0, whole: 0 };

  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
    worker = null;
  };

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = new Worker(new URL('./plan-worker.mjs', import.meta.url));
    // An idle planner must not keep the process alive.
    w.unref();
    w.on('message', (res: PlanResponse) => {
      const p = waiting.get(res.id);
      waiting.delete(res.id);
      p?.resolve(res);
    });
    w.on('error', (err) => failAll(err));
    w.on('exit', (code) => failAll(new Error(`the planning worker exited (${code})`)));
    worker = w;
    return w;
  }

  function inWorker(shardId: string, records: ReadRecord[], opts: PlanOptions): Promise<PlanResponse> {
    const id = nextId++;
    // Copied out of whatever buffer the reader sliced them from, then moved, not cloned.
    const own = records.map((r) => ({ ...r, data: new Uint8Array(r.data) }));
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      ensureWorker().postMessage(
        {
          id,
          shardId,
          records: own,
          onlyPartitions: opts.onlyPartitions ? [...opts.onlyPartitions] : undefined,
        } satisfies PlanRequest,
        own.map((r) => r.data.buffer as ArrayBuffer),
      );
    });
  }

  return {
    stats: () => ({ ...stats }),
    async plan(batch, opts = {}) {
      const n = batch.records.length;
      // The worker derives with the module's `deriveInto`: another hook is this thread's alone.
      if (n < MIN_RECORDS_TO_SPLIT || opts.deriveFragment) {
        stats.whole++;
        return planBatch(batch, opts);
      }
      const half = n >> 1;
      const second = inWorker(batch.shardId, batch.records.slice(half), opts);
      second.catch(() => {}); // handled below, after this thread's half
      const first = planWithIds({ shardId: batch.shardId, records: batch.records.slice(0, half) }, opts);
      let res: PlanResponse;
      try {
        res = await second;
      } catch {
        res = { id: -1, ok: false, error: 'worker failed' };
      }
      const merged = res.ok
        ? mergePlans(first, {
            plan: res.plan,
            lakeIds: new LogIdSet(res.lakeIds),
            droppedIds: new LogIdSet(res.droppedIds),
          })
        : null;
      if (merged) {
        stats.split++;
        return merged;
      }
      stats.whole++;
      return planBatch(batch, opts);
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
