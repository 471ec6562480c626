/**
 * The pure core of the transformer: one stream batch → what to write. Records are decoded
 * (envelopes or bare JSON), each line parsed and validated, duplicate `log_id`s within the batch
 * dropped (first wins), valid rows grouped by the hour partition of their UTC `timestamp`, and
 * rollup deltas computed. Nothing here does I/O or throws for bad data.
 */
import { isUtf8 } from 'node:buffer';
import { partitionOf } from '../../schemas/lake.ts';
import { firstSeq, lastSeq, type StreamBatch } from '../../stream/contract.ts';
import { EnvelopeKind, forEachLine, openEnvelope } from '../../stream/envelope.ts';
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
  /** The whole record, base64, when it could not be decoded; with `line_no`, the line's bytes when they are not UTF-8. */
  data_base64?: string;
}

/**
 * Longest line accepted, in bytes: a batch body's limit (no hit the collector accepts comes near),
 * and well under DuckDB's `read_json` maximum_object_size (16 MiB), past which it fails a whole file.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

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
}

export interface PlanOptions {
  /** Keep only rows of these partitions (replay of chosen hours); others are skipped, not bad. */
  onlyPartitions?: ReadonlySet<string>;
}

/** One hour's group while planning, with its open run: bytes `[start, end)` of `body` not yet in `ndjson`. */
interface HourState {
  group: PartitionGroup;
  body: Buffer | null;
  start: number;
  end: number;
}

const NEWLINE = Buffer.from('\n');

function closeRun(h: HourState): void {
  if (!h.body) return;
  h.group.ndjson.push(h.body.subarray(h.start, h.end));
  if (h.body[h.end - 1] !== 0x0a) h.group.ndjson.push(NEWLINE);
  h.body = null;
}

export function planBatch(batch: StreamBatch, opts: PlanOptions = {}): BatchPlan {
  return planWithIds(batch, opts).plan;
}

/** A plan with the `log_id`s it kept (lake rows and dropped bots apart), for merging plans of parts. */
export interface PlanWithIds {
  plan: BatchPlan;
  lakeIds: Set<string>;
  droppedIds: Set<string>;
}

export function planWithIds(batch: StreamBatch, opts: PlanOptions = {}): PlanWithIds {
  const bad: BadItem[] = [];
  const seenLake = new Set<string>();
  const seenDropped = new Set<string>();
  const acc = createRollupAccumulator();
  const counts: BatchCounts = {
    records: batch.records.length,
    lakeRows: 0,
    droppedBots: 0,
    duplicates: 0,
    bad: 0,
  };
  // Per hour (epoch ms of its start): the partition name and group, built once; the per-hit path
  // is a numeric Map lookup, skipped when a hit is in the same hour as the one before.
  const hours = new Map<number, HourState | null>();
  let lastHourMs = Number.NaN;
  let last: HourState | null = null;
  const hourState = (hourMs: number): HourState | null => {
    if (hourMs === lastHourMs) return last;
    let h = hours.get(hourMs);
    if (h === undefined) {
      const partition = partitionOf(new Date(hourMs));
      h =
        opts.onlyPartitions && !opts.onlyPartitions.has(partition)
          ? null
          : { group: { partition, ndjson: [], count: 0 }, body: null, start: 0, end: 0 };
      hours.set(hourMs, h);
    }
    lastHourMs = hourMs;
    last = h;
    return h;
  };
  const addLine = (h: HourState, body: Buffer, start: number, end: number) => {
    h.group.count++;
    const lineEnd = end < body.length ? end + 1 : end; // through its newline, when it has one
    if (h.body === body && h.end === start) {
      h.end = lineEnd;
      return;
    }
    closeRun(h);
    h.body = body;
    h.start = start;
    h.end = lineEnd;
  };

  for (const rec of batch.records) {
    const opened = openEnvelope(rec.data);
    if (!opened.ok) {
      bad.push({
        shard_id: batch.shardId,
        sequence_number: rec.sequenceNumber,
        reason: opened.reason,
        data_base64: Buffer.from(rec.data).toString('base64'),
      });
      continue;
    }
    const { body, bare } = opened;
    const dropped = opened.kind === EnvelopeKind.DROPPED_BOTS;
    // Decoding replaces invalid UTF-8 with U+FFFD, which would validate while DuckDB, reading the
    // bytes themselves, fails the whole file on them. One check per record; per line only if it fails.
    const utf8 = isUtf8(body);
    let lineNo = 0;
    const onLine = (start: number, end: number) => {
      const i = lineNo++;
      const tooLong = end - start > MAX_LINE_BYTES;
      if (tooLong || (!utf8 && !isUtf8(body.subarray(start, end)))) {
        bad.push({
          shard_id: batch.shardId,
          sequence_number: rec.sequenceNumber,
          line_no: i,
          reason: tooLong ? `line of ${end - start} bytes is longer than ${MAX_LINE_BYTES}` : 'invalid UTF-8',
          data_base64: body.subarray(start, end).toString('base64'),
        });
        return;
      }
      const line = body.toString('utf8', start, end);
      const out = validateLine(line);
      if (!out.ok) {
        bad.push({
          shard_id: batch.shardId,
          sequence_number: rec.sequenceNumber,
          line_no: i,
          reason: out.reason,
          line,
        });
        return;
      }
      const row = out.row;
      const hourMs = out.timestampMs - (((out.timestampMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
      const h = hourState(hourMs);
      if (!h) return; // an hour not being replayed
      const seen = dropped ? seenDropped : seenLake;
      if (seen.has(row.log_id)) {
        counts.duplicates++;
        return;
      }
      seen.add(row.log_id);
      if (dropped) {
        counts.droppedBots++;
        acc.addDroppedBot(row, hourMs);
        return;
      }
      counts.lakeRows++;
      acc.addLakeRow(row, hourMs);
      if (bare) {
        // A bare JSON record may be pretty-printed; NDJSON needs it on one line.
        const one = Buffer.from(`${JSON.stringify(row)}\n`);
        addLine(h, one, 0, one.length - 1);
      } else addLine(h, body, start, end);
    };
    if (bare) onLine(0, body.length);
    else forEachLine(body, onLine);
  }
  const groups: PartitionGroup[] = [];
  for (const h of hours.values()) {
    if (!h || h.group.count === 0) continue;
    closeRun(h);
    groups.push(h.group);
  }
  counts.bad = bad.length;
  const plan: BatchPlan = {
    shardId: batch.shardId,
    firstSeq: firstSeq(batch),
    lastSeq: lastSeq(batch),
    arrivedAt: batch.records[0].arrivedAt,
    partitions: groups.sort((a, b) => a.partition.localeCompare(b.partition)),
    bad,
    deltas: acc.deltas(),
    counts,
  };
  return { plan, lakeIds: seenLake, droppedIds: seenDropped };
}
