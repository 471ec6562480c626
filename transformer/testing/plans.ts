/** Test helper: a `BatchPlan` as comparable data (byte runs joined, deltas keyed by rollup key). */
import { ROLLUP_DIMENSIONS } from '../../schemas/columns.ts';
import type { BatchPlan } from '../core/plan.ts';

export function comparablePlan(p: BatchPlan) {
  return {
    ...p,
    partitions: p.partitions.map((g) => ({
      partition: g.partition,
      count: g.count,
      text: Buffer.concat(g.ndjson).toString(),
    })),
    deltas: Object.fromEntries(
      p.deltas.map((d) => [
        JSON.stringify([d.app_id, d.hour, ...ROLLUP_DIMENSIONS.map((k) => d.dims[k])]),
        d,
      ]),
    ),
  };
}
