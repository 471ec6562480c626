/**
 * Rollup deltas (pure): one entry per `hits_hourly` key — `(app_id, hour, ROLLUP_DIMENSIONS)` — with
 * the counters a batch adds. Fixed latency buckets make deltas mergeable by plain addition.
 */
import { LATENCY_BUCKETS_MS, ROLLUP_DIMENSIONS } from '../../schemas/columns.ts';
import { HISTOGRAM_CELLS } from '../../schemas/ddl/aurora.ts';
import type { LakeRow } from '../../schemas/lake.ts';

// Module-local copies: the hot loops below read these per hit, and an imported binding can cost an
// accessor call per read under some loaders (it showed in the transformer profile under tsx).
const DIMENSIONS = ROLLUP_DIMENSIONS;
const BOUNDS = LATENCY_BUCKETS_MS;
const hasSeparator = (v: string) => v.indexOf('\u0001') >= 0 || v.indexOf('\u0000') >= 0;

export type RollupDimensions = { [D in (typeof ROLLUP_DIMENSIONS)[number]]: LakeRow[D] };

export interface RollupDelta {
  app_id: string;
  /** Start of the UTC hour, ISO-8601 (`2026-11-25T03:00:00.000Z`). */
  hour: string;
  dims: RollupDimensions;
  hits: number;
  bot_hits: number;
  dropped_bots: number;
  rt_count: number;
  rt_sum: number;
  rt_hist: number[];
}

/** A zero delta for one rollup key, to accumulate into. */
export function emptyDelta(app_id: string, hour: string, dims: RollupDimensions): RollupDelta {
  return {
    app_id,
    hour,
    dims,
    hits: 0,
    bot_hits: 0,
    dropped_bots: 0,
    rt_count: 0,
    rt_sum: 0,
    rt_hist: new Array(HISTOGRAM_CELLS).fill(0),
  };
}

export function hourOf(timestamp: string): string {
  return new Date(hourMsOf(timestamp)).toISOString();
}

/** Index of the histogram cell for a latency: first bound >= ms, else the open-ended last cell. */
export function bucketOf(ms: number): number {
  for (let i = 0; i < BOUNDS.length; i++) if (ms <= BOUNDS[i]) return i;
  return BOUNDS.length;
}

export const HOUR_MS = 3_600_000;

/** Start of the UTC hour of `timestamp`, in epoch ms. */
export function hourMsOf(timestamp: string): number {
  const ms = Date.parse(timestamp);
  return ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
}

/**
 * Accumulates deltas keyed by the rollup key; NULL and '' stay distinct dimensions. Hot path (one
 * call per hit): the key is a flat string and objects are built only for new keys.
 */
export function createRollupAccumulator() {
  const byKey = new Map<string, RollupDelta>();
  const hours = new Map<number, string>();
  const entry = (row: LakeRow, hourMs: number): RollupDelta => {
    // Fast key: values joined by U+0001, NULL as U+0001 U+0000. Values holding either character
    // (the lake schema allows them; the collector does not send them) would make two keys equal,
    // so such a row gets an unambiguous JSON key instead; the leading 'f'/'j' keeps the two apart.
    let key = `f${row.app_id}\u0001${hourMs}`;
    let plain = !hasSeparator(row.app_id);
    for (const d of DIMENSIONS) {
      const v = row[d];
      if (v === null) key += '\u0001\u0000';
      else {
        if (typeof v === 'string' && hasSeparator(v)) plain = false;
        key += `\u0001${v}`;
      }
    }
    if (!plain) key = `j${JSON.stringify([row.app_id, hourMs, ...DIMENSIONS.map((d) => row[d])])}`;
    let e = byKey.get(key);
    if (!e) {
      let hour = hours.get(hourMs);
      if (!hour) {
        hour = new Date(hourMs).toISOString();
        hours.set(hourMs, hour);
      }
      e = emptyDelta(
        row.app_id,
        hour,
        Object.fromEntries(DIMENSIONS.map((d) => [d, row[d]])) as RollupDimensions,
      );
      byKey.set(key, e);
    }
    return e;
  };
  return {
    /** A row written to the lake (`hourMs`: its hour, when the caller has it already). */
    addLakeRow(row: LakeRow, hourMs = hourMsOf(row.timestamp)): void {
      const e = entry(row, hourMs);
      e.hits++;
      if (row.is_bot) e.bot_hits++;
      if (row.response_time_ms !== null) {
        e.rt_count++;
        e.rt_sum += row.response_time_ms;
        e.rt_hist[bucketOf(row.response_time_ms)]++;
      }
    },
    /** A bot hit the app's policy kept out of the lake: counted only. */
    addDroppedBot(row: LakeRow, hourMs = hourMsOf(row.timestamp)): void {
      entry(row, hourMs).dropped_bots++;
    },
    deltas(): RollupDelta[] {
      return [...byKey.values()];
    },
  };
}

export function computeDeltas(
  lakeRows: Iterable<LakeRow>,
  droppedBots: Iterable<LakeRow> = [],
): RollupDelta[] {
  const acc = createRollupAccumulator();
  for (const r of lakeRows) acc.addLakeRow(r);
  for (const r of droppedBots) acc.addDroppedBot(r);
  return acc.deltas();
}
