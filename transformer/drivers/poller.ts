/**
 * The local driver: a loop over a checkpointed `StreamReader`. Each batch is processed (lake, then
 * rollups with their ledger row) and only then committed, so a crash re-reads the batch and the
 * retry overwrites its own files and is counted once. Hours touched are compacted at the end of
 * each drain, so the local lake shows no duplicate `log_id` and rollups equal the lake.
 */
import type { StreamReader } from '../../stream/contract.ts';
import type { BatchProcessor, BatchResult } from '../process-batch.ts';

export interface PollerDeps {
  reader: StreamReader;
  processor: BatchProcessor;
  /** Compacts one hour partition (with rollup recomputation); absent: no compaction. */
  compact?(partition: string): Promise<unknown>;
  /** Records per batch (default 500). */
  maxRecords?: number;
  onBatch?(result: BatchResult): void;
}

export interface DrainResult {
  batches: number;
  records: number;
  lakeRows: number;
  droppedBots: number;
  bad: number;
  duplicates: number;
  /** Hours compacted at the end of the drain. */
  hours: string[];
}

export interface Poller {
  /** Drains the reader until it is caught up, then compacts the hours touched. */
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
  async function runOnce(): Promise<DrainResult> {
    const out = emptyDrainResult();
    const touched = new Set<string>();
    for (;;) {
      const batch = await deps.reader.next(maxRecords);
      if (!batch) break;
      const r = await deps.processor.process(batch);
      await deps.reader.commit(batch);
      addBatch(out, r);
      for (const p of r.partitions) touched.add(p);
      deps.onBatch?.(r);
    }
    if (deps.compact) {
      for (const p of [...touched].sort()) {
        await deps.compact(p);
        out.hours.push(p);
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
