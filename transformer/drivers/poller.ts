/**
 * The local driver: a loop over a checkpointed `StreamReader`. Each batch is processed (lake, then
 * rollups with their ledger row) and only then committed, so a crash re-reads the batch and the
 * retry overwrites its own files and is counted once. After each drain the hours that are due
 * (DESIGN §5, `hoursToCompact`: closed past the grace period and holding a file besides
 * `compacted.parquet`) are compacted — a closed hour once, again when late files arrive. The open
 * hour never is: rewriting everything it has received on every drain is what stalled `alt dev`
 * under sustained load. Until an hour is compacted the local `hits` view drops repeated `log_id`s.
 */
import type { StreamBatch, StreamReader } from '../../stream/contract.ts';
import type { BatchProcessor, BatchResult } from '../process-batch.ts';

export interface PollerDeps {
  reader: StreamReader;
  processor: BatchProcessor;
  /** Compaction after each drain (`openTransformer`'s `Transformer` fits); absent: none. */
  compaction?: Compaction;
  /** Records per batch (default 500). */
  maxRecords?: number;
  /** After each batch is committed, with the batch it came from. */
  onBatch?(result: BatchResult, batch: StreamBatch): void;
  /** The clock a drain's start is read from (tests). */
  now?: () => number;
}

export interface Compaction {
  /** Compacts one hour partition, with rollup recomputation. */
  compact(partition: string): Promise<unknown>;
  /** The hour partitions due now, oldest first (`listDueHours`). */
  dueHours(): Promise<string[]>;
}

export interface DrainResult {
  batches: number;
  records: number;
  lakeRows: number;
  droppedBots: number;
  bad: number;
  duplicates: number;
  /** Hours compacted at the end of the drain (the due ones: never the open hour). */
  hours: string[];
}

export interface Poller {
  /**
   * Drains what the stream held when it was called (it stops after the batch that reaches a record
   * that arrived later), then compacts the hours that are due.
   */
  runOnce(): Promise<DrainResult>;
  /** `runOnce` every `intervalMs` until `signal` aborts. */
  run(intervalMs: number, signal: AbortSignal): Promise<void>;
}

export function emptyDrainResult(): DrainResult {
  return { batches: 0, records: 0, lakeRows: 0, droppedBots: 0, bad: 0, duplicates: 0, hours: [] };
}

/** Adds one committed batch's counts to a drain's totals (also for drains that count batch by batch). */
export function addBatch(total: DrainResult, r: BatchResult): void {
  total.batches++;
  total.records += r.counts.records;
  total.lakeRows += r.counts.lakeRows;
  total.droppedBots += r.counts.droppedBots;
  total.bad += r.counts.bad;
  total.duplicates += r.counts.duplicates;
}

export function createPoller(deps: PollerDeps): Poller {
  const maxRecords = deps.maxRecords ?? 500;
  const now = deps.now ?? Date.now;
  async function runOnce(): Promise<DrainResult> {
    const out = emptyDrainResult();
    // Draining until a read finds nothing chased a stream that is still being written: each batch
    // then held only what arrived while the last one was processed (~0.2 s at 5,000 hits/s), so
    // a drain never ended, a batch's fixed cost (a lake file, a rollup transaction, a checkpoint)
    // was paid ~5 times a second, and `alt dev`'s transformer took ~40 % of its core to keep up.
    // What arrives after the drain began waits for the next one (the interval bounds the lag).
    const startedAt = now();
    for (;;) {
      const batch = await deps.reader.next(maxRecords);
      if (!batch) break;
      const r = await deps.processor.process(batch);
      await deps.reader.commit(batch);
      addBatch(out, r);
      deps.onBatch?.(r, batch);
      const last = batch.records.at(-1);
      if (last && last.arrivedAt.getTime() >= startedAt) break;
    }
    // Even after an empty drain: an hour closes with time, not with the next hit.
    if (deps.compaction) {
      const failed: string[] = [];
      for (const p of await deps.compaction.dueHours()) {
        try {
          await deps.compaction.compact(p);
          out.hours.push(p);
        } catch (err) {
          // One bad hour must not keep the others uncompacted; the drain still fails below.
          failed.push(`${p}: ${(err as Error).message}`);
        }
      }
      if (failed.length > 0) {
        throw new Error(`compaction failed for ${failed.length} hour(s): ${failed.join('; ')}`);
      }
    }
    return out;
  }
  return {
    runOnce,
    async run(intervalMs, signal) {
      while (!signal.aborted) {
        await runOnce();
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, intervalMs);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
      }
    },
  };
}
