/**
 * Object keys of the lake (DESIGN §3, §5). Names derive from the batch's shard and sequence range,
 * so a retried batch overwrites its own objects instead of adding new ones.
 *
 * - `hits/<partition>/<shard>-<firstSeq>-<lastSeq>.parquet` — partition = UTC hour of `timestamp`.
 * - `hits/<partition>/compacted.parquet` — one hour after `compactHour`.
 * - `raw/<arrival partition>/<shard>-<firstSeq>-<lastSeq>.ndjson.gz` — partitioned by the ARRIVAL
 *   hour of the batch's first record (the event hours inside are only known after decoding).
 *   Hits are accepted within [-24 h, +5 min] of arrival, so the raw files holding event hour H are
 *   under arrival hours H-1 … H+24, widened by a batch's own arrival span (seconds for Kinesis and
 *   the poller); `rawHoursFor` scans H-2 … H+25, so a batch may span up to an hour of arrivals.
 * - `bad/<arrival partition>/<shard>-<firstSeq>-<lastSeq>.ndjson` — rejected records with reasons.
 */
import { COMPACTED_FILE, partitionOf } from '../../schemas/lake.ts';

export const HITS = 'hits/';
export const RAW = 'raw/';
export const BAD = 'bad/';
export const COMPACTED = COMPACTED_FILE;

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');

export function batchName(shardId: string, firstSeq: string, lastSeq: string): string {
  return `${safe(shardId)}-${safe(firstSeq)}-${safe(lastSeq)}`;
}

export const hitsKey = (partition: string, name: string) => `${HITS}${partition}/${name}.parquet`;
export const hitsPrefix = (partition: string) => `${HITS}${partition}/`;
export const compactedKey = (partition: string) => `${HITS}${partition}/${COMPACTED}`;
export const rawKey = (arrivedAt: Date, name: string) => `${RAW}${partitionOf(arrivedAt)}/${name}.ndjson.gz`;
export const badKey = (arrivedAt: Date, name: string) => `${BAD}${partitionOf(arrivedAt)}/${name}.ndjson`;

/** `year=2026/month=11/day=25/hour=03` → the hour's start. */
export function partitionStart(partition: string): Date {
  const m = /^year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})$/.exec(partition);
  if (!m) throw new Error(`not an hour partition: ${partition}`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]));
}

/** `2026-11-25T03` (the CLI's hour format) → `year=2026/month=11/day=25/hour=03`. */
export function parseHour(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?::00(?::00(?:\.0+)?)?Z?)?$/.exec(text.trim());
  if (!m) throw new Error(`expected an hour as YYYY-MM-DDTHH, got "${text}"`);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]));
  if (
    Number.isNaN(d.getTime()) ||
    d.getUTCHours() !== +m[4] ||
    d.getUTCDate() !== +m[3] ||
    d.getUTCMonth() !== +m[2] - 1
  ) {
    throw new Error(`not a real hour: "${text}"`);
  }
  return partitionOf(d);
}

/** Every hour partition from `from` to `to` inclusive (`A..B` on the CLI). */
export function hourRange(from: string, to: string): string[] {
  const a = partitionStart(from).getTime();
  const b = partitionStart(to).getTime();
  if (b < a) throw new Error('hour range ends before it starts');
  if ((b - a) / 3_600_000 > 24 * 366) throw new Error('hour range longer than a year');
  const out: string[] = [];
  for (let t = a; t <= b; t += 3_600_000) out.push(partitionOf(new Date(t)));
  return out;
}

/** Arrival-hour partitions of raw/ that can hold events of the given hours. */
export function rawHoursFor(hours: readonly string[]): string[] {
  const set = new Set<string>();
  for (const h of hours) {
    const t = partitionStart(h).getTime();
    for (let k = -2; k <= 25; k++) set.add(partitionOf(new Date(t + k * 3_600_000)));
  }
  return [...set].sort();
}
