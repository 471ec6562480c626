/**
 * Joins the plans of two consecutive parts of one batch into the plan of the whole, so the parts
 * can be planned on two cores. Pure. The one thing a part cannot know is whether a `log_id` it kept
 * was already kept by the part before it (first wins across the batch); when the parts share one,
 * this returns null and the caller plans the whole batch instead (rare: duplicates are retries).
 */
import { ROLLUP_DIMENSIONS } from '../../schemas/rollups.ts';
import { addOutcomeCounts } from './outcome.ts';
import type { BatchPlan, PartitionGroup, PlanWithIds } from './plan.ts';
import { addDelta, copyDelta, type RollupDelta } from './rollup.ts';

/** The rollup key of a delta, as one string. */
export const deltaKey = (d: RollupDelta): string =>
  JSON.stringify([d.app_id, d.hour, ...ROLLUP_DIMENSIONS.map((k) => d.dims[k])]);

function mergeDeltas(a: readonly RollupDelta[], b: readonly RollupDelta[]): RollupDelta[] {
  const out = new Map<string, RollupDelta>();
  for (const d of a) out.set(deltaKey(d), copyDelta(d));
  for (const d of b) {
    const k = deltaKey(d);
    const e = out.get(k);
    if (e) addDelta(e, d);
    else out.set(k, copyDelta(d));
  }
  return [...out.values()];
}

function mergePartitions(a: readonly PartitionGroup[], b: readonly PartitionGroup[]): PartitionGroup[] {
  const out = new Map<string, PartitionGroup>();
  for (const g of [...a, ...b]) {
    const e = out.get(g.partition);
    if (e) {
      e.ndjson.push(...g.ndjson);
      e.count += g.count;
    } else out.set(g.partition, { partition: g.partition, ndjson: [...g.ndjson], count: g.count });
  }
  return [...out.values()].sort((x, y) => x.partition.localeCompare(y.partition));
}

/** `first` and `second`: plans of consecutive record ranges of one batch, in that order. */
export function mergePlans(first: PlanWithIds, second: PlanWithIds): BatchPlan | null {
  if (first.lakeIds.intersects(second.lakeIds) || first.droppedIds.intersects(second.droppedIds)) {
    return null;
  }
  const a = first.plan;
  const b = second.plan;
  return {
    shardId: a.shardId,
    firstSeq: a.firstSeq,
    lastSeq: b.lastSeq,
    arrivedAt: a.arrivedAt,
    partitions: mergePartitions(a.partitions, b.partitions),
    bad: [...a.bad, ...b.bad],
    deltas: mergeDeltas(a.deltas, b.deltas),
    counts: {
      records: a.counts.records + b.counts.records,
      lakeRows: a.counts.lakeRows + b.counts.lakeRows,
      droppedBots: a.counts.droppedBots + b.counts.droppedBots,
      duplicates: a.counts.duplicates + b.counts.duplicates,
      bad: a.counts.bad + b.counts.bad,
    },
    outcomes: addOutcomeCounts(a.outcomes, b.outcomes),
  };
}
