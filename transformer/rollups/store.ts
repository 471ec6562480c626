/** Where rollups go: `hits_hourly` in Aurora / PostgreSQL / PGlite (DESIGN §7). */
import type { RollupDelta } from '../core/rollup.ts';

export interface BatchRollups {
  shardId: string;
  firstSeq: string;
  lastSeq: string;
  /** Lake rows the batch produced (recorded in the ledger). */
  rows: number;
  deltas: readonly RollupDelta[];
}

export interface RollupStore {
  /**
   * In one transaction: the ledger row for (shard, firstSeq, lastSeq), then the deltas. A batch
   * already in the ledger changes nothing and returns 'duplicate'.
   */
  applyBatch(batch: BatchRollups): Promise<'applied' | 'duplicate'>;
  /**
   * Compaction: sets the lake-derived counters (hits, bot_hits, rt_*) of every key of `hour` to
   * `deltas` (keys absent from `deltas` drop to zero); `dropped_bots` is kept. One transaction.
   */
  replaceHour(hour: Date, deltas: readonly RollupDelta[]): Promise<void>;
}
