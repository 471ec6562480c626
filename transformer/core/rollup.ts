/**
 * Rollup deltas (pure): one entry per `hits_hourly` key — `(app_id, hour, ROLLUP_DIMENSIONS)` — with
 * the counters a batch adds. Fixed latency buckets make deltas mergeable by plain addition.
 */
import type { LakeRow } from '../../schemas/lake.ts';
import {
  HISTOGRAM_CELLS,
  LATENCY_BUCKETS_MS,
  ROLLUP_COUNTERS,
  ROLLUP_DIMENSIONS,
  ROLLUP_HISTOGRAM,
  type RollupCounter,
  type RollupDimension,
} from '../../schemas/rollups.ts';

// Module-local copies: the hot loops below read these per hit, and an imported binding can cost an
// accessor call per read under some loaders (it showed in the transformer profile under tsx).
const DIMENSIONS = ROLLUP_DIMENSIONS;
const BOUNDS = LATENCY_BUCKETS_MS;
/** Ids per dimension below this pack into one number: 256^6 < 2^53. */
const ID_LIMIT = 256;
if (ID_LIMIT ** DIMENSIONS.length > Number.MAX_SAFE_INTEGER) {
  throw new Error('rollup.ts: too many rollup dimensions to pack their ids into one number');
}

export type RollupDimensions = { [D in RollupDimension]: LakeRow[D] };

/** What a batch adds to one `hits_hourly` row: its key, then each counter and histogram cell. */
export type RollupDelta = {
  app_id: string;
  /** Start of the UTC hour, ISO-8601 (`2026-11-25T03:00:00.000Z`). */
  hour: string;
  dims: RollupDimensions;
} & { [C in RollupCounter]: number } & { [H in (typeof ROLLUP_HISTOGRAM)['name']]: number[] };

/**
 * A zero delta for one rollup key, to accumulate into. Compiled from the schema's counter list into
 * one object literal: a literal gives every delta one shape with all fields in the object, which the
 * per-hit counting below reads and writes (built field by field, it counted ~5 % slower).
 */
export const emptyDelta = new Function(
  'app_id',
  'hour',
  'dims',
  `return { app_id, hour, dims, ${ROLLUP_COUNTERS.map((c) => `${c.name}: 0`).join(', ')}, ${ROLLUP_HISTOGRAM.name}: new Array(${HISTOGRAM_CELLS}).fill(0) };`,
) as (app_id: string, hour: string, dims: RollupDimensions) => RollupDelta;

/** Adds `d`'s counters and histogram cells into `into` (same key). */
export function addDelta(into: RollupDelta, d: RollupDelta): void {
  for (const c of ROLLUP_COUNTERS) into[c.name] += d[c.name];
  const h = into[ROLLUP_HISTOGRAM.name];
  const add = d[ROLLUP_HISTOGRAM.name];
  for (let i = 0; i < h.length; i++) h[i] += add[i];
}

/** A copy of `d` whose histogram can be added to without touching `d`'s. */
export function copyDelta(d: RollupDelta): RollupDelta {
  return { ...d, [ROLLUP_HISTOGRAM.name]: [...d[ROLLUP_HISTOGRAM.name]] };
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
 * call per hit): each dimension value is interned to a small id (NULL is 0), the ids pack into one
 * number under the row's app and hour, and objects are built only for new keys. Hashing six short
 * values and three Map lookups is cheaper than joining the values into a string key and hashing that.
 */
export function createRollupAccumulator() {
  const all: RollupDelta[] = [];
  /** app_id → hour (epoch ms) → packed dimension ids → delta. */
  const byApp = new Map<string, Map<number, Map<number, RollupDelta>>>();
  const ids = DIMENSIONS.map(() => new Map<unknown, number>());
  /** Keys with a dimension of more than ID_LIMIT distinct values, which cannot pack: JSON keys. */
  const wide = new Map<string, RollupDelta>();
  const hours = new Map<number, string>();

  const create = (row: LakeRow, hourMs: number): RollupDelta => {
    let hour = hours.get(hourMs);
    if (!hour) {
      hour = new Date(hourMs).toISOString();
      hours.set(hourMs, hour);
    }
    const e = emptyDelta(
      row.app_id,
      hour,
      Object.fromEntries(DIMENSIONS.map((d) => [d, row[d]])) as RollupDimensions,
    );
    all.push(e);
    return e;
  };

  const entry = (row: LakeRow, hourMs: number): RollupDelta => {
    let key = 0;
    let scale = 1;
    let packs = true;
    for (let i = 0; i < DIMENSIONS.length; i++) {
      const v = row[DIMENSIONS[i]];
      let id = 0;
      if (v !== null) {
        const m = ids[i];
        id = m.get(v) ?? 0;
        if (id === 0) {
          id = m.size + 1;
          m.set(v, id);
        }
      }
      if (id >= ID_LIMIT) packs = false;
      key += id * scale;
      scale *= ID_LIMIT;
    }
    if (!packs) {
      const k = JSON.stringify([row.app_id, hourMs, ...DIMENSIONS.map((d) => row[d])]);
      let e = wide.get(k);
      if (!e) {
        e = create(row, hourMs);
        wide.set(k, e);
      }
      return e;
    }
    let app = byApp.get(row.app_id);
    if (!app) {
      app = new Map();
      byApp.set(row.app_id, app);
    }
    let inHour = app.get(hourMs);
    if (!inHour) {
      inHour = new Map();
      app.set(hourMs, inHour);
    }
    let e = inHour.get(key);
    if (!e) {
      e = create(row, hourMs);
      inHour.set(key, e);
    }
    return e;
  };
  return {
    // The per-hit counting below is written out per counter (a loop over ROLLUP_COUNTERS costs in
    // this loop); `maintenance/compact.test.ts` checks it against the recompute from the lake.
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
      return all;
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
