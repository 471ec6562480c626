/** Test helper: a `BatchPlan` as comparable data (byte runs joined, deltas keyed by rollup key). */
import { deltaKey } from '../core/merge-plans.ts';
import type { BatchPlan } from '../core/plan.ts';

export function comparablePlan(p: BatchPlan) {
  return {
    ...p,
    partitions: p.partitions.map((g) => ({
      partition: g.partition,
      count: g.count,
      text: Buffer.concat(g.ndjson).toString(),
    })),
    deltas: Object.fromEntries(p.deltas.map((d) => [deltaKey(d), d])),
  };
}
