/**
 * The pure core of the transformer: one stream batch → what to write. Each record is opened
 * (envelope or bare JSON) and each line classified (`classify.ts`: ok, dropped bot, or bad with a
 * reason); one fold (`plan-fold.ts`) drops duplicate `log_id`s (first wins), groups rows by the hour
 * partition of their UTC `timestamp`, adds rollup deltas and counts every outcome by reason.
 * Nothing here does I/O or throws for bad data.
 */
import { isUtf8 } from 'node:buffer';
import type { StreamBatch } from '../../stream/contract.ts';
import { createEnvelopeOpener, EnvelopeKind, forEachLine } from '../../stream/envelope.ts';
import { classifyLine, classifyUndecodable, type LineContext } from './classify.ts';
import type { DeriveFragment } from './derive.ts';
import { LogIdSet } from './log-id-set.ts';
import type { OutcomeCounts } from './outcome.ts';
import { createPlanFold, type RecordSource } from './plan-fold.ts';
import type { RollupDelta } from './rollup.ts';
import { giveBackSlabs } from './slabs.ts';

/** A record or line that could not become a lake row, kept with the reason for `bad/`. */
export interface BadItem {
  shard_id: string;
  sequence_number: string;
  /** 0-based line within the record; absent when the whole record failed to decode. */
  line_no?: number;
  reason: string;
  /** The offending line, verbatim. */
  line?: string;
  /** The whole record, base64, when it could not be decoded; with `line_no`, the line's bytes when they are not UTF-8. */
  data_base64?: string;
}

export interface PartitionGroup {
  /** `year=YYYY/month=MM/day=DD/hour=HH` */
  partition: string;
  /**
   * The group's rows as NDJSON bytes: runs of whole, newline-terminated lines, mostly views into the
   * decompressed records. Consecutive accepted lines of a record share one run, so a clean record is
   * one chunk, and no per-row object outlives the plan (keeping parsed rows made GC a third of it).
   */
  ndjson: Uint8Array[];
  /** Rows in `ndjson`. */
  count: number;
}

export interface BatchCounts {
  records: number;
  lakeRows: number;
  droppedBots: number;
  duplicates: number;
  bad: number;
}

export interface BatchPlan {
  shardId: string;
  firstSeq: string;
  lastSeq: string;
  /** Arrival time of the batch's first record: names the raw/ and bad/ partitions. */
  arrivedAt: Date;
  /** Sorted by partition. */
  partitions: PartitionGroup[];
  bad: BadItem[];
  deltas: RollupDelta[];
  counts: BatchCounts;
  /** Every line's outcome, counted by reason (what the metrics publish). */
  outcomes: OutcomeCounts;
}

export interface PlanOptions {
  /** Keep only rows of these partitions (replay of chosen hours); others are skipped, not bad. */
  onlyPartitions?: ReadonlySet<string>;
  /**
   * The derived columns of each kept row, as text (default: `deriveInto` of `derive.ts`, which every
   * planning thread uses). Given here, the batch is planned on this thread alone.
   */
  deriveFragment?: DeriveFragment;
}

export function planBatch(batch: StreamBatch, opts: PlanOptions = {}): BatchPlan {
  const ids = spareIds ?? { lake: new LogIdSet(), dropped: new LogIdSet() };
  spareIds = null;
  const { plan, lakeIds, droppedIds } = planWithIds(batch, opts, ids);
  // Nothing outside holds this plan's sets: the next batch empties and fills them again.
  if (lakeIds.slots <= MAX_SPARE_SLOTS && droppedIds.slots <= MAX_SPARE_SLOTS) {
    lakeIds.clear();
    droppedIds.clear();
    spareIds = ids;
  }
  return plan;
}

/**
 * The `log_id` sets of the last `planBatch`, emptied, for the next one: a fresh set grew its table
 * from 1,024 slots to 131,072 for a 50,000-hit batch, allocating and rehashing at every doubling,
 * and each batch left the last one's tables to the garbage collector (measured: `planBatch` 6.02 →
 * 5.73 µs a hit on one core reusing them, bench/experiments/one-core-paired.ts --plan-only). A table past
 * `MAX_SPARE_SLOTS` (a batch of over ~500,000 ids) is left to the collector instead of kept.
 */
let spareIds: { lake: LogIdSet; dropped: LogIdSet } | null = null;
const MAX_SPARE_SLOTS = 1 << 20;

/** A plan with the `log_id`s it kept (lake rows and dropped bots apart), for merging plans of parts. */
export interface PlanWithIds {
  plan: BatchPlan;
  lakeIds: LogIdSet;
  droppedIds: LogIdSet;
}

/**
 * Records are inflated into one buffer, reused record after record and batch after batch while no
 * plan points into it (`createEnvelopeOpener`). One per thread: planning is synchronous.
 */
const opener = createEnvelopeOpener();

/** `ids`: empty sets for the plan's `log_id`s (default: new ones). */
export function planWithIds(
  batch: StreamBatch,
  opts: PlanOptions = {},
  ids?: { lake: LogIdSet; dropped: LogIdSet },
): PlanWithIds {
  const fold = createPlanFold(batch, opts, ids);
  for (const rec of batch.records) {
    const opened = opener.open(rec.data);
    if (!opened.ok) {
      fold.addRecord(classifyUndecodable(rec.data, opened), rec.sequenceNumber);
      continue;
    }
    const { body, bare } = opened;
    const src: RecordSource = { sequenceNumber: rec.sequenceNumber, body, bare };
    const ctx: LineContext = {
      body,
      utf8: isUtf8(body),
      droppedBots: opened.kind === EnvelopeKind.DROPPED_BOTS,
    };
    let lineNo = 0;
    const onLine = (start: number, end: number) =>
      fold.addLine(classifyLine(ctx, start, end), src, lineNo++, start, end);
    if (bare) onLine(0, body.length);
    else forEachLine(body, onLine);
    // A line kept as the body's own bytes: the plan points into it, the next record needs another.
    if (fold.takeKeptBody()) opener.keep();
  }
  return fold.finish();
}

/**
 * Once a plan's groups are written, gives their slabs of rebuilt lines back for the next batch's
 * planning (`slabs.ts`: reused memory costs no page faults) and leaves the groups without bytes,
 * so that nothing can read the reused memory through this plan. Its counts, deltas, `bad/` items
 * and partition names stay.
 */
export function releasePlan(plan: BatchPlan): void {
  for (const g of plan.partitions) {
    giveBackSlabs(g.ndjson);
    g.ndjson = [];
  }
}
