/**
 * Which hours compaction merges (DESIGN §5), for the scheduled Lambda and the local transformer
 * loop alike: an hour is due when it is closed —
 * its end plus a grace period has passed, so the transformer has written what arrived on time —
 * and it holds a file besides `compacted.parquet`: either it was never compacted, or late hits
 * arrived after it was. Only hours inside the lookback window are considered; older late files
 * wait for an explicit run (`hours` in the event, or `alt compact`).
 */
import { SETTINGS } from '../../lib/config.ts';
import { partitionOf } from '../../schemas/lake.ts';
import type { ObjectStore } from '../lake/object-store.ts';
import { COMPACTED, HITS, partitionStart } from '../lake/paths.ts';

export interface DueOptions {
  /** Minutes after an hour ends before it counts as closed. */
  graceMinutes: number;
  /** How many hours back from the current one are looked at. */
  lookbackHours: number;
}

export const DUE_DEFAULTS: DueOptions = {
  graceMinutes: SETTINGS.compactGraceMinutes.default,
  lookbackHours: 48,
};

const HOUR_MS = 3_600_000;
const HIT_FILE = /^hits\/(year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2})\/([^/]+\.parquet)$/;

/** The hour partitions to compact, oldest first, given the keys listed under `hits/`. */
export function hoursToCompact(keys: readonly string[], now: Date, opts: DueOptions): string[] {
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const oldest = currentHour - opts.lookbackHours * HOUR_MS;
  const due = new Set<string>();
  for (const key of keys) {
    const m = HIT_FILE.exec(key);
    if (!m || m[2] === COMPACTED) continue;
    const start = partitionStart(m[1]).getTime();
    const closed = start + HOUR_MS + opts.graceMinutes * 60_000 <= now.getTime();
    if (closed && start >= oldest) due.add(m[1]);
  }
  return [...due].sort();
}

/** The day prefixes under `hits/` that hold every hour of the window: what to list. */
export function dayPrefixes(now: Date, lookbackHours: number): string[] {
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const days = new Set<string>();
  for (let t = currentHour - lookbackHours * HOUR_MS; t <= currentHour; t += HOUR_MS) {
    days.add(`${HITS}${partitionOf(new Date(t)).split('/').slice(0, 3).join('/')}/`);
  }
  return [...days];
}

/** Lists the lookback window of `hits/` and returns the hours due at `now` (`hoursToCompact`). */
export async function listDueHours(store: ObjectStore, now: Date, opts: DueOptions): Promise<string[]> {
  const keys: string[] = [];
  for (const prefix of dayPrefixes(now, opts.lookbackHours)) {
    for (const o of await store.list(prefix)) keys.push(o.key);
  }
  return hoursToCompact(keys, now, opts);
}
