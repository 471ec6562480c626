/**
 * Compaction of one hour partition: merge its files into `compacted.parquet`, sorted by
 * (timestamp, log_id), one row per `log_id` (the earliest `received_at` wins), then recompute the
 * hour's rollups from the result.
 *
 * What a concurrent reader of `hits/<hour>/*.parquet` may observe, in order:
 *  1. the old files only;
 *  2. after the new `compacted.parquet` is in place (an atomic PUT on S3; write-temp-then-rename
 *     locally, the temporary name matching no `*.parquet` glob): the new file AND the old inputs —
 *     rows may appear twice for that moment, none is ever missing or half-written;
 *  3. after the inputs are deleted: the compacted file only. A reader that listed an input just
 *     before its deletion can fail with "file not found" and must retry its query.
 * The rollups of the hour are replaced after step 3, in one transaction.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAKE_COLUMNS } from '../../schemas/columns.ts';
import { LAKE_COUNTERS, ROLLUP_DIMENSIONS, ROLLUP_HISTOGRAM } from '../../schemas/rollups.ts';
import { quoteIdent, quoteLiteral } from '../../schemas/sql-quote.ts';
import { DUCKDB_TYPE } from '../../schemas/types.ts';
import { emptyDelta, type RollupDelta, type RollupDimensions } from '../core/rollup.ts';
import type { ObjectStore } from '../lake/object-store.ts';
import { COMPACTED, compactedKey, hitsPrefix, partitionStart } from '../lake/paths.ts';
import { openDuckdb, PARQUET_OPTIONS, SELECT_COLUMNS } from '../parquet/duckdb-sql.ts';
import type { RollupStore } from '../rollups/store.ts';

export interface CompactDeps {
  store: ObjectStore;
  rollups?: RollupStore;
}

export interface CompactOptions {
  /**
   * Merge only these keys (replay's rebuilt files) and delete every other file of the hour: the
   * hour is rebuilt from them. Default: every `.parquet` of the hour.
   */
  sources?: readonly string[];
}

export interface CompactResult {
  partition: string;
  inputs: number;
  rowsIn: number;
  rowsOut: number;
  /** Null when the hour had no files (nothing changed). */
  key: string | null;
}

// Every column cast to its lake type: files from the parquetjs writer read as TIMESTAMP (no zone).
// Inputs are read `union_by_name`: an hour may hold version-1 files (no schema-2 columns: NULL) beside
// version-2 ones, and the merged file is version 2.
const CAST_COLUMNS = LAKE_COLUMNS.map(
  (c) => `CAST(${quoteIdent(c.name)} AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`,
).join(', ');

const HIST_OF = quoteIdent(ROLLUP_HISTOGRAM.of);

/**
 * The hour's rollups from the compacted file: one group per key and histogram cell (`bucket`, NULL
 * without a value), the lake counters by their aggregates, and `cell_count` the values in the cell.
 */
const ROLLUP_SQL = (file: string) => `
SELECT app_id, ${ROLLUP_DIMENSIONS.map(quoteIdent).join(', ')},
  CASE WHEN ${HIST_OF} IS NULL THEN NULL
       ELSE len(list_filter([${ROLLUP_HISTOGRAM.bounds.join(', ')}], b -> b < ${HIST_OF})) END AS bucket,
  ${LAKE_COUNTERS.map((c) => `${c.lake} AS ${quoteIdent(c.name)}`).join(', ')},
  count(${HIST_OF}) AS cell_count
FROM read_parquet(${quoteLiteral(file)}) GROUP BY ALL`;

export async function compactHour(
  deps: CompactDeps,
  partition: string,
  opts: CompactOptions = {},
): Promise<CompactResult> {
  const hour = partitionStart(partition);
  const all = (await deps.store.list(hitsPrefix(partition)))
    .map((o) => o.key)
    .filter((k) => k.endsWith('.parquet'));
  // In key order, named so that their order survives the download: of two copies received at
  // the same instant the one in the first file by name is kept, as the local `hits` view does.
  const inputs = (opts.sources ? [...opts.sources] : all).sort();
  if (inputs.length === 0) return { partition, inputs: 0, rowsIn: 0, rowsOut: 0, key: null };
  const target = compactedKey(partition);

  const dir = await mkdtemp(join(tmpdir(), 'alt-compact-'));
  const db = await openDuckdb();
  try {
    const local: string[] = [];
    for (const [i, key] of inputs.entries()) {
      const file = join(dir, `${String(i).padStart(9, '0')}.parquet`);
      if (await deps.store.download(key, file)) local.push(file);
    }
    if (local.length === 0) return { partition, inputs: 0, rowsIn: 0, rowsOut: 0, key: null };
    const out = join(dir, COMPACTED);
    const list = `[${local.map(quoteLiteral).join(', ')}]`;
    const read = `read_parquet(${list}, filename = true, union_by_name = true)`;
    const counted = await db.conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${read}`);
    const rowsIn = Number(counted.getRowObjectsJS()[0].n);
    await db.conn.run(`COPY (
      SELECT ${SELECT_COLUMNS} FROM (
        SELECT ${CAST_COLUMNS}, filename FROM ${read}
      )
      QUALIFY row_number() OVER (PARTITION BY log_id ORDER BY received_at, filename) = 1
      ORDER BY "timestamp", log_id
    ) TO ${quoteLiteral(out)} ${PARQUET_OPTIONS}`);
    const agg = (await db.conn.runAndReadAll(ROLLUP_SQL(out))).getRowObjectsJS();

    // Swap: new file in place first, then the inputs go (see the header for what readers see).
    const onlyCompacted = inputs.length === 1 && inputs[0] === target && all.length === 1;
    if (!onlyCompacted) await deps.store.put(target, { file: out });
    const stale = all.filter((k) => k !== target);
    if (stale.length > 0) await deps.store.delete(stale);

    const deltas = foldRollups(agg, hour.toISOString());
    if (deps.rollups) await deps.rollups.replaceHour(hour, deltas);
    return {
      partition,
      inputs: inputs.length,
      rowsIn,
      rowsOut: deltas.reduce((n, d) => n + d.hits, 0),
      key: target,
    };
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function foldRollups(rows: Record<string, unknown>[], hour: string): RollupDelta[] {
  const byKey = new Map<string, RollupDelta>();
  for (const r of rows) {
    const dims = Object.fromEntries(ROLLUP_DIMENSIONS.map((d) => [d, r[d] ?? null])) as RollupDimensions;
    const key = JSON.stringify([r.app_id, ...ROLLUP_DIMENSIONS.map((d) => r[d] ?? null)]);
    let e = byKey.get(key);
    if (!e) {
      e = emptyDelta(String(r.app_id), hour, dims);
      byKey.set(key, e);
    }
    for (const c of LAKE_COUNTERS) e[c.name] += Number(r[c.name]);
    if (r.bucket !== null && r.bucket !== undefined) {
      e[ROLLUP_HISTOGRAM.name][Number(r.bucket)] += Number(r.cell_count);
    }
  }
  return [...byKey.values()];
}
