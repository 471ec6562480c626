/**
 * The single definition of the `hits_hourly` rollup table (DESIGN §7): its key, its counters and
 * its latency histogram, in column order. The Aurora DDL, the rollup store's upserts, the
 * compaction's recompute query, the rollup delta type and the DuckDB table of `alt query` are all
 * derived from these lists, so a new counter or dimension is added here and nowhere else.
 */
import { type ColumnType, column, type LakeColumnName } from './columns.ts';

export const ROLLUP_TABLE = 'hits_hourly';

/** Dimensions of the `hits_hourly` rollup key besides `(app_id, hour)` (DESIGN §7). */
export const ROLLUP_DIMENSIONS = [
  'client_sub_id',
  'module_id',
  'event_type',
  'source',
  'status_code',
  'status',
] as const satisfies readonly LakeColumnName[];

export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/**
 * Upper bounds (inclusive, ms) of the fixed latency histogram kept per rollup row; the last
 * bucket is open-ended. Fixed buckets make rollups mergeable across batches, so P95/P99
 * come from Aurora without scanning the lake.
 */
export const LATENCY_BUCKETS_MS = [
  5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000,
] as const;

/** Number of histogram cells: one per bucket bound plus the open-ended last one. */
export const HISTOGRAM_CELLS = LATENCY_BUCKETS_MS.length + 1;

/** Logical types of the measures, mapped once per engine in `types.ts`. */
export type MeasureType = 'int64' | 'int64[]';

export interface RollupColumn {
  readonly name: string;
  readonly type: ColumnType | MeasureType;
  readonly nullable: boolean;
}

/** The key, in column order: the app, the UTC hour, then the dimensions with their lake types. */
export const ROLLUP_KEY: readonly RollupColumn[] = [
  { name: 'app_id', type: 'string', nullable: false },
  { name: 'hour', type: 'timestamp', nullable: false },
  ...ROLLUP_DIMENSIONS.map((d) => {
    const c = column(d);
    return { name: c.name, type: c.type, nullable: c.nullable };
  }),
];

/**
 * The counters (64-bit, never NULL, zero by default), in column order. `lake` is the aggregate over
 * lake rows that recomputes the counter from the lake (compaction); a counter without one counts
 * what never reaches the lake, and compaction keeps it.
 */
export const ROLLUP_COUNTERS = [
  { name: 'hits', lake: 'count(*)', doc: 'lake rows' },
  { name: 'bot_hits', lake: 'count(*) FILTER (WHERE is_bot)', doc: 'lake rows with is_bot = true' },
  { name: 'dropped_bots', lake: null, doc: "bot hits the app's policy kept out of the lake" },
  { name: 'rt_count', lake: 'count(response_time_ms)', doc: 'lake rows with a response time' },
  { name: 'rt_sum', lake: 'coalesce(sum(response_time_ms), 0)', doc: 'sum of their response times, ms' },
] as const satisfies readonly { name: string; lake: string | null; doc: string }[];

export type RollupCounter = (typeof ROLLUP_COUNTERS)[number]['name'];

/** Counters recomputed from the lake, and so reset and replaced by compaction. */
export const LAKE_COUNTERS = ROLLUP_COUNTERS.filter(
  (c): c is Extract<(typeof ROLLUP_COUNTERS)[number], { lake: string }> => c.lake !== null,
);

/**
 * The latency histogram: `HISTOGRAM_CELLS` 64-bit cells over `of`; cell i counts values <=
 * `LATENCY_BUCKETS_MS[i]` (and above the bound before), the last cell everything slower. It is
 * recomputed from the lake like the lake counters.
 */
export const ROLLUP_HISTOGRAM = {
  name: 'rt_hist',
  of: 'response_time_ms',
  bounds: LATENCY_BUCKETS_MS,
  cells: HISTOGRAM_CELLS,
} as const satisfies { name: string; of: LakeColumnName; bounds: readonly number[]; cells: number };

/** Every column of `hits_hourly`, in table order: key, counters, histogram. */
export const ROLLUP_COLUMNS: readonly RollupColumn[] = [
  ...ROLLUP_KEY,
  ...ROLLUP_COUNTERS.map((c) => ({ name: c.name, type: 'int64' as const, nullable: false })),
  { name: ROLLUP_HISTOGRAM.name, type: 'int64[]', nullable: false },
];
