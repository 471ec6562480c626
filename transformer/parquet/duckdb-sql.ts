/** DuckDB pieces shared by the writers and maintenance, all derived from `LAKE_COLUMNS`. */

import { availableParallelism } from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';
import { LAKE_COLUMNS, SCHEMA_VERSION } from '../../schemas/columns.ts';
import { quoteIdent, quoteLiteral } from '../../schemas/sql-quote.ts';
import { DUCKDB_TYPE } from '../../schemas/types.ts';

/** `{'log_id': 'VARCHAR', …}` — explicit `read_json` columns: no type inference. */
export const READ_JSON_COLUMNS = `{${LAKE_COLUMNS.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(DUCKDB_TYPE[c.type])}`).join(', ')}}`;

/**
 * The §3 column list in order, for the SELECTs that write a file (they fix the Parquet column
 * order). `schema_version` is the file's: every file written now has the version-2 columns, whatever
 * version the line or the compacted file it came from said.
 */
export const SELECT_COLUMNS = LAKE_COLUMNS.map((c) =>
  c.name === 'schema_version'
    ? `CAST(${SCHEMA_VERSION} AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`
    : quoteIdent(c.name),
).join(', ');

/** `CREATE TABLE` body with the typed lake columns. */
export const TABLE_COLUMNS = LAKE_COLUMNS.map(
  (c) => `${quoteIdent(c.name)} ${DUCKDB_TYPE[c.type]}${c.nullable ? '' : ' NOT NULL'}`,
).join(', ');

/**
 * ZSTD; row groups up to DuckDB's 122,880 rows (a batch file is one group; a compacted hour a few).
 */
export const PARQUET_OPTIONS = '(FORMAT parquet, COMPRESSION zstd)';

export function readJsonSql(file: string): string {
  return `read_json(${quoteLiteral(file)}, columns = ${READ_JSON_COLUMNS}, format = 'newline_delimited')`;
}

/**
 * Bounds for a long-lived process (`alt dev`'s transformer). Unset, DuckDB may use 80 % of the
 * machine's RAM (https://duckdb.org/docs/stable/configuration/overview: `memory_limit`) and keeps
 * what it has touched, so a laptop's transformer grows for as long as it runs; with a limit and a
 * temp directory, big operations (an hour's compaction) spill to disk instead.
 */
export interface DuckdbLimits {
  /** `memory_limit`, e.g. `512MB`. */
  memoryLimit?: string;
  /** `temp_directory`: where spilled data goes. */
  tempDirectory?: string;
}

/**
 * An in-memory DuckDB with the session in UTC (timestamps display and bucket in UTC) and one thread
 * per CPU this process may run on. DuckDB's default counts the machine's cores and ignores CPU
 * affinity (taskset, cgroup cpusets), so a process pinned to one core ran two threads on it.
 */
export async function openDuckdb(
  limits: DuckdbLimits = {},
): Promise<{ conn: DuckDBConnection; close(): void }> {
  const instance = await createMemoryDuckdb({
    threads: String(availableParallelism()),
    ...(limits.memoryLimit && { memory_limit: limits.memoryLimit }),
    ...(limits.tempDirectory && { temp_directory: limits.tempDirectory }),
  });
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
