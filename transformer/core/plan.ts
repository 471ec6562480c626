/**
 * The pure core of the transformer: one stream batch → what to write. Records are decoded
 * (envelopes or bare JSON), each line parsed and validated, duplicate `log_id`s within the batch
 * dropped (first wins), valid rows grouped by the hour partition of their UTC `timestamp`, and
 * rollup deltas computed. Nothing here does I/O or throws for bad data.
 */
import { decodeEnvelope, EnvelopeKind } from '../../lib/envelope.ts';
import { firstSeq, lastSeq, type StreamBatch } from '../../lib/stream.ts';
import { type LakeRow, partitionOf } from '../../schemas/lake.ts';
import { createRollupAccumulator, HOUR_MS, type RollupDelta } from './rollup.ts';
import { validateLine } from './validate.ts';

/** A record or line that could not become a lake row, kept with the reason for `bad/`. */
export interface BadItem {
  shard_id: string;
  sequence_number: string;
  /** 0-based line within the record; absent when the whole record failed to decode. */
  line_no?: number;
  reason: string;
  /** The offending line, verbatim. */
  line?: string;
  /** The whole record, base64, when it could not be decoded. */
  data_base64?: string;
}

export interface PartitionGroup {
  /** `year=YYYY/month=MM/day=DD/hour=HH` */
  partition: string;
  /** Verbatim NDJSON lines (the DuckDB fast path parses these itself). */
  lines: string[];
  rows: LakeRow[];
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
}

export interface PlanOptions {
  /** Keep only rows of these partitions (replay of chosen hours); others are skipped, not bad. */
  onlyPartitions?: ReadonlySet<string>;
}

export function planBatch(batch: StreamBatch, opts: PlanOptions = {}): BatchPlan {
  const groups = new Map<string, PartitionGroup>();
  const bad: BadItem[] = [];
  const seenLake = new Set<string>();
  const seenDropped = new Set<string>();
  const acc = createRollupAccumulator();
  // Partition names per hour, computed once: the per-hit path only does a Map lookup.
  const partitionNames = new Map<number, string>();
  const counts: BatchCounts = {
    records: batch.records.length,
    lakeRows: 0,
    droppedBots: 0,
    duplicates: 0,
    bad: 0,
  };

  for (const rec of batch.records) {
    const decoded = decodeEnvelope(rec.data);
    if (!decoded.ok) {
      bad.push({
        shard_id: batch.shardId,
        sequence_number: rec.sequenceNumber,
        reason: decoded.reason,
        data_base64: Buffer.from(rec.data).toString('base64'),
      });
      continue;
    }
    const dropped = decoded.kind === EnvelopeKind.DROPPED_BOTS;
    for (let i = 0; i < decoded.lines.length; i++) {
      const line = decoded.lines[i];
      const out = validateLine(line);
      if (!out.ok) {
        bad.push({
          shard_id: batch.shardId,
          sequence_number: rec.sequenceNumber,
          line_no: i,
          reason: out.reason,
          line,
        });
        continue;
      }
      const row = out.row;
      const hourMs = out.timestampMs - (((out.timestampMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
      let partition = partitionNames.get(hourMs);
      if (!partition) {
        partition = partitionOf(new Date(hourMs));
        partitionNames.set(hourMs, partition);
      }
      if (opts.onlyPartitions && !opts.onlyPartitions.has(partition)) continue;
      const seen = dropped ? seenDropped : seenLake;
      if (seen.has(row.log_id)) {
        counts.duplicates++;
        continue;
      }
      seen.add(row.log_id);
      if (dropped) {
        counts.droppedBots++;
        acc.addDroppedBot(row, hourMs);
        continue;
      }
      counts.lakeRows++;
      acc.addLakeRow(row, hourMs);
      let g = groups.get(partition);
      if (!g) {
        g = { partition, lines: [], rows: [] };
        groups.set(partition, g);
      }
      // A bare JSON record may be pretty-printed; NDJSON needs it on one line.
      g.lines.push(line.includes('\n') ? JSON.stringify(row) : line);
      g.rows.push(row);
    }
  }
  counts.bad = bad.length;
  return {
    shardId: batch.shardId,
    firstSeq: firstSeq(batch),
    lastSeq: lastSeq(batch),
    arrivedAt: batch.records[0].arrivedAt,
    partitions: [...groups.values()].sort((a, b) => a.partition.localeCompare(b.partition)),
    bad,
    deltas: acc.deltas(),
    counts,
  };
}
