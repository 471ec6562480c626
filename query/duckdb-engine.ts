/**
 * The local `QueryEngine`: DuckDB in memory over the lake's Parquet files (`hits`, with the
 * hive partition columns typed as integers so filters on them prune files) and a snapshot of the
 * `hits_hourly` rollups read from PostgreSQL/PGlite, plus the Trino-compat macros.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, type DuckDBResultReader, StatementType } from '@duckdb/node-api';
import type { Queryable } from '../lib/db/sql.ts';
import { createMemoryDuckdb } from '../lib/duckdb-text.ts';
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../schemas/columns.ts';
import { COMPACTED_FILE } from '../schemas/lake.ts';
import { ROLLUP_COLUMNS, ROLLUP_TABLE } from '../schemas/rollups.ts';
import { quoteIdent, quoteLiteral } from '../schemas/sql-quote.ts';
import { DUCKDB_TYPE } from '../schemas/types.ts';
import type { QueryEngine, QueryResult, QueryValue } from './engine.ts';
import { TRINO_COMPAT_MACROS } from './trino-compat.ts';

/** Where `hits_hourly` comes from: an open database (PGlite, PostgreSQL) or any rows provider (the dev admin API). */
export type RollupSource = Queryable | (() => Promise<Record<string, unknown>[]>);

export interface DuckdbEngineOptions {
  /** `<dataDir>/lake`: the engine reads `hits/year=*\/month=*\/day=*\/hour=*\/*.parquet` under it. */
  lakeDir: string;
  /** Omitted: `hits_hourly` exists but is empty. */
  rollups?: RollupSource;
}

/** `hits_hourly` columns with their DuckDB types, in the table's order (`schemas/rollups.ts`). */
export const DUCKDB_ROLLUP_COLUMNS: readonly { name: string; type: string }[] = ROLLUP_COLUMNS.map((c) => ({
  name: c.name,
  type: DUCKDB_TYPE[c.type],
}));

export function hitsGlob(lakeDir: string): string {
  return join(lakeDir, 'hits', ...PARTITION_COLUMNS.map((p) => `${p.name}=*`), '*.parquet');
}

/** The partition values of a file path under `hits/`, as regexp groups in PARTITION_COLUMNS order. */
const HOUR_DIR = `${PARTITION_COLUMNS.map((p) => `/${p.name}=(\\d+)`).join('')}/[^/]+$`;

async function lakeHasFiles(lakeDir: string): Promise<boolean> {
  try {
    const entries = await readdir(join(lakeDir, 'hits'), { recursive: true });
    return entries.some((e) => e.endsWith('.parquet'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export interface HitsViewOptions {
  /**
   * Drop repeated `log_id`s at query time (default true): until its hour is compacted, a batch
   * redelivered or a client retry in another batch leaves a second row in another file (DESIGN §5).
   */
  dedup?: boolean;
}

/**
 * The `hits` view: lake columns in schema order, then year/month/day/hour as INTEGER, one row per
 * `log_id`. Of repeated rows the one compaction would keep is shown: the earliest `received_at`,
 * then the first file by name. Hour partitions come from `timestamp`, so copies of a `log_id`
 * always share one: partitioning the window by the hour as well lets DuckDB push partition filters
 * below it, so a query on one hour still opens only that hour's files.
 */
export function hitsViewSql(lakeDir: string, hasFiles: boolean, opts: HitsViewOptions = {}): string {
  return `CREATE OR REPLACE VIEW ${HITS_VIEW} AS ${hitsSelectSql(lakeDir, hasFiles, opts.dedup ?? true)}`;
}

/** The local engine's views: `hits` (deduplicated) and `hits_stored` (every row as the files hold it). */
export const HITS_VIEW = 'hits';
export const HITS_STORED_VIEW = 'hits_stored';

/** `hits_stored`: the same columns as `hits`, every row of every file, for `alt validate`. */
export function hitsStoredViewSql(lakeDir: string, hasFiles: boolean): string {
  return `CREATE OR REPLACE VIEW ${HITS_STORED_VIEW} AS ${hitsSelectSql(lakeDir, hasFiles, false)}`;
}

function hitsSelectSql(lakeDir: string, hasFiles: boolean, dedup: boolean): string {
  const partitions = PARTITION_COLUMNS.map((p) => p.name);
  if (!hasFiles) {
    // No files yet: same columns and types, no rows (read_parquet fails on an empty glob).
    const cols = [
      ...LAKE_COLUMNS.map((c) => `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`),
      ...partitions.map((p) => `CAST(NULL AS INTEGER) AS ${quoteIdent(p)}`),
    ];
    return `SELECT ${cols.join(', ')} WHERE false`;
  }
  const names = [...LAKE_COLUMNS.map((c) => c.name), ...partitions].map(quoteIdent);
  const cols = [
    // Casts pin the schema's types whichever Parquet writer made the file; no-op casts are free.
    // union_by_name: version-1 files (no schema-2 columns) read those columns as NULL beside
    // version-2 files. Its cost: every file's footer is read at bind time, before partition filters
    // prune (measured here: a one-hour count over 2,000 one-hour files, 130–230 ms → 380–570 ms).
    ...LAKE_COLUMNS.map(
      (c) => `CAST(${quoteIdent(c.name)} AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`,
    ),
    ...partitions.map(quoteIdent),
  ];
  const hiveTypes = `{${partitions.map((p) => `${quoteLiteral(p)}: INTEGER`).join(', ')}}`;
  const glob = quoteLiteral(hitsGlob(lakeDir));
  const read = `read_parquet(${glob}, hive_partitioning = true, hive_types = ${hiveTypes}, union_by_name = true${dedup ? ', filename = true' : ''})`;
  if (!dedup) return `SELECT ${cols.join(', ')} FROM ${read}`;
  // Only hours holding a file besides compacted.parquet can hold a repeated log_id (compaction
  // leaves one row per log_id): the other hours pass as they are, and the window runs over the
  // open hours only (over the whole lake it made a count of 2 M rows 30× slower: see
  // bench/experiments/hits-view-dedup.ts). Which hours are open comes from the file names at query
  // time, joined on the partition columns so DuckDB's join filters prune the other hours' files.
  const hourOf = partitions
    .map(
      (p, i) =>
        `CAST(regexp_extract(file, ${quoteLiteral(HOUR_DIR)}, ${i + 1}) AS INTEGER) AS ${quoteIdent(p)}`,
    )
    .join(', ');
  const open = `(SELECT DISTINCT ${hourOf} FROM glob(${glob}) WHERE parse_filename(file) <> ${quoteLiteral(COMPACTED_FILE)})`;
  const key = `(${partitions.map(quoteIdent).join(', ')})`;
  const window = [...partitions.map(quoteIdent), 'log_id'].join(', ');
  return `SELECT ${cols.join(', ')} FROM ${read} WHERE ${key} NOT IN ${open}
    UNION ALL
    SELECT ${names.join(', ')} FROM (SELECT ${cols.join(', ')}, filename FROM ${read} WHERE ${key} IN ${open})
      QUALIFY row_number() OVER (PARTITION BY ${window} ORDER BY received_at, filename) = 1`;
}

/**
 * The `hits_hourly` rows the engine loads, from an open database. `alt dev` serves this over its
 * admin API (op `ROLLUPS_ADMIN_OP`) so `alt query` never opens its PGlite.
 */
export async function readRollupRows(source: Queryable): Promise<Record<string, unknown>[]> {
  try {
    const r = await source.query(
      `SELECT ${ROLLUP_COLUMNS.map((c) => c.name).join(', ')} FROM ${ROLLUP_TABLE}`,
    );
    return r.rows;
  } catch (err) {
    // A database with no migrations yet has no rollups: an empty table, not an error.
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

/** The admin API op of `alt dev` that returns `readRollupRows(db)`. */
export const ROLLUPS_ADMIN_OP = 'hitsHourly';

async function readRollups(source: RollupSource): Promise<Record<string, unknown>[]> {
  return typeof source === 'function' ? source() : readRollupRows(source);
}

async function loadRollups(conn: DuckDBConnection, source: RollupSource | undefined): Promise<void> {
  await conn.run(
    `CREATE OR REPLACE TABLE ${ROLLUP_TABLE} (${DUCKDB_ROLLUP_COLUMNS.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ')})`,
  );
  if (!source) return;
  const rows = await readRollups(source);
  if (rows.length === 0) return;
  const json = JSON.stringify(
    rows.map((r) =>
      Object.fromEntries(
        DUCKDB_ROLLUP_COLUMNS.map((c) => {
          const v = r[c.name];
          return [c.name, v instanceof Date ? v.toISOString() : v];
        }),
      ),
    ),
  );
  const structure = JSON.stringify([Object.fromEntries(DUCKDB_ROLLUP_COLUMNS.map((c) => [c.name, c.type]))]);
  await conn.run(
    `INSERT INTO ${ROLLUP_TABLE} SELECT unnest(from_json($1::JSON, ${quoteLiteral(structure)}), recursive := true)`,
    [json],
  );
}

const INTEGER_LIKE = /^(U?BIGINT|U?HUGEINT|DECIMAL\(\d+,\d+\))(\[\])*$/;

/** DuckDB's JSON rows carry 64/128-bit integers and decimals as strings; numbers read better. */
function normalize(value: unknown, numeric: boolean): QueryValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => normalize(v, numeric));
  if (numeric && typeof value === 'string') {
    const n = Number(value);
    return Number.isFinite(n) && (Number.isSafeInteger(n) || !/^-?\d+$/.test(value)) ? n : value;
  }
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, false)]));
  }
  return value as QueryValue;
}

function toResult(reader: DuckDBResultReader, started: number): QueryResult {
  const types = reader.columnTypes().map(String);
  const columns = reader.columnNames().map((name, i) => ({ name, type: types[i] }));
  const numeric = types.map((t) => INTEGER_LIKE.test(t));
  const rows = reader.getRowsJson().map((row) => row.map((v, i) => normalize(v, numeric[i])));
  return { columns, rows, stats: { engine: 'duckdb', elapsedMs: performance.now() - started } };
}

/**
 * The error for a lake file DuckDB cannot read, with what to do about it; undefined for any other
 * error. The views read every file's footer when they are made (`union_by_name`), so one truncated
 * or foreign file under hits/ stops every query until it is moved: say which and how to rebuild it.
 */
export function unreadableLakeFile(err: unknown, lakeDir: string): Error | undefined {
  const message = err instanceof Error ? err.message : String(err);
  const file = /'([^']+\.parquet)'/.exec(message)?.[1];
  if (!file?.startsWith(lakeDir)) return undefined;
  const hour = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=(\d{2})\//.exec(file);
  const reason = message.split('\n')[0].replace(/^[A-Za-z ]+Error: /, '');
  return new Error(
    `lake file ${file} is not readable Parquet (${reason}); every query reads each file's footer, so none can run while it is there. Rebuild its hour from the raw archive, which replaces every file of the hour: ${hour ? `alt replay --from raw --hours ${hour[1]}-${hour[2]}-${hour[3]}T${hour[4]}` : 'alt replay --from raw --hours <its hour>'} (with the same --data-dir); or move the file out of ${lakeDir} to query the rest now`,
    { cause: err },
  );
}

export async function createDuckdbEngine(opts: DuckdbEngineOptions): Promise<QueryEngine> {
  const instance = await createMemoryDuckdb();
  const conn = await instance.connect();
  try {
    // Timestamps are UTC in the lake; show and extract them in UTC, as Athena does.
    await conn.run("SET TimeZone = 'UTC'");
    for (const m of TRINO_COMPAT_MACROS) await conn.run(m.sql);
    const hasFiles = await lakeHasFiles(opts.lakeDir);
    await conn.run(hitsStoredViewSql(opts.lakeDir, hasFiles));
    await conn.run(hitsViewSql(opts.lakeDir, hasFiles));
    await loadRollups(conn, opts.rollups);
  } catch (err) {
    conn.closeSync();
    instance.closeSync();
    throw unreadableLakeFile(err, opts.lakeDir) ?? err;
  }
  return {
    async run(sql) {
      const started = performance.now();
      // Several statements (setup, then a SELECT) run in order; the last one's rows are the result,
      // so a query before the last would lose its rows without a word: refuse it instead.
      if (!/[^\s;]/.test(sql)) throw new Error('no SQL statement given');
      const statements = await conn.extractStatements(sql);
      let reader: DuckDBResultReader | undefined;
      for (let i = 0; i < statements.count; i++) {
        // Prepared one at a time: a later statement may name a table an earlier one creates.
        const statement = await statements.prepare(i);
        if (i < statements.count - 1 && statement.statementType === StatementType.SELECT) {
          throw new Error(
            `statement ${i + 1} of ${statements.count} is a query, and only the last statement's rows are printed: run each query on its own`,
          );
        }
        reader = await statement.runAndReadAll();
      }
      return toResult(reader as DuckDBResultReader, started);
    },
    async close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
