/**
 * Replay: rebuild chosen hours of hits/ from the raw archive. Every raw file that can hold those
 * hours (see `rawHoursFor`) goes through the same core again, keeping only rows of the chosen
 * hours; the rebuilt files then replace the hour wholesale (compaction with `sources`), so
 * whatever was there before — a corrupt or wrongly written file — is gone. With `rollups`, the
 * hours' lake counters are recomputed from the rebuilt files (dropped_bots is kept).
 */
import type { ObjectStore } from '../lake/object-store.ts';
import { RAW, rawHoursFor } from '../lake/paths.ts';
import { decodeRaw } from '../lake/raw.ts';
import type { ParquetWriter } from '../parquet/writer.ts';
import { createBatchProcessor } from '../process-batch.ts';
import type { RollupStore } from '../rollups/store.ts';
import { type CompactResult, compactHour } from './compact.ts';

export interface ReplayDeps {
  store: ObjectStore;
  writer: ParquetWriter;
  /** Given: recompute the hours' rollups from the rebuilt lake. */
  rollups?: RollupStore;
}

export interface ReplayProgress {
  phase: 'raw' | 'compact';
  done: number;
  total: number;
}

export interface ReplayResult {
  rawFiles: number;
  rows: number;
  hours: CompactResult[];
}

export async function replayHours(
  deps: ReplayDeps,
  hours: readonly string[],
  onProgress?: (p: ReplayProgress) => void,
): Promise<ReplayResult> {
  const wanted = new Set(hours);
  const rawKeys: string[] = [];
  for (const p of rawHoursFor(hours)) {
    for (const o of await deps.store.list(`${RAW}${p}/`))
      if (o.key.endsWith('.ndjson.gz')) rawKeys.push(o.key);
  }
  const processor = createBatchProcessor({ store: deps.store, writer: deps.writer });
  const rebuilt = new Map<string, string[]>();
  let rows = 0;
  for (const [i, key] of rawKeys.entries()) {
    const bytes = await deps.store.get(key);
    if (bytes) {
      const r = await processor.process(decodeRaw(bytes), {
        onlyPartitions: wanted,
        writeRaw: false,
        writeBad: false,
        applyRollups: false,
      });
      rows += r.counts.lakeRows;
      for (const k of r.keys) {
        const partition = k.split('/').slice(1, 5).join('/');
        rebuilt.set(partition, [...(rebuilt.get(partition) ?? []), k]);
      }
    }
    onProgress?.({ phase: 'raw', done: i + 1, total: rawKeys.length });
  }
  const results: CompactResult[] = [];
  for (const [i, h] of hours.entries()) {
    const sources = rebuilt.get(h);
    // An hour with no raw rows: nothing to rebuild from, so it is left as it is.
    if (sources)
      results.push(await compactHour({ store: deps.store, rollups: deps.rollups }, h, { sources }));
    onProgress?.({ phase: 'compact', done: i + 1, total: hours.length });
  }
  return { rawFiles: rawKeys.length, rows, hours: results };
}
