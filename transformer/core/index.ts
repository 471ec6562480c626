export type {
  BadReason,
  DropReason,
  LineOutcome,
  OutcomeCounts,
} from './outcome.ts';
export {
  type BadItem,
  type BatchCounts,
  type BatchPlan,
  type PartitionGroup,
  type PlanOptions,
  planBatch,
  releasePlan,
} from './plan.ts';
export {
  bucketOf,
  computeDeltas,
  createRollupAccumulator,
  hourOf,
  type RollupDelta,
  type RollupDimensions,
} from './rollup.ts';
export { type LineValidation, validateLine } from './validate.ts';
