/**
 * The analyst's query engine (DESIGN §2 `QueryEngine`): the same SQL runs on DuckDB over the
 * local lake or on Athena, and comes back in one shape that `cli/format.ts` prints.
 */

export interface QueryColumn {
  name: string;
  /** Engine type name as the engine reports it (`BIGINT`, `varchar`, …). */
  type: string;
}

export interface QueryStats {
  engine: 'duckdb' | 'athena';
  elapsedMs: number;
  /** Athena: bytes the query scanned, and what that costs (see `athenaCostUsd`). */
  bytesScanned?: number;
  costUsd?: number;
  queryId?: string;
}

/** Values are JSON-friendly: numbers, strings, booleans, null, arrays and objects. */
export type QueryValue = string | number | boolean | null | QueryValue[] | { [k: string]: QueryValue };

export interface QueryResult {
  columns: QueryColumn[];
  /** One array per row, positional with `columns` (names may repeat in SQL). */
  rows: QueryValue[][];
  stats: QueryStats;
}

export interface QueryEngine {
  run(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

/** Rows as objects keyed by column name (the last of repeated names wins). */
export function rowObjects(result: Pick<QueryResult, 'columns' | 'rows'>): Record<string, QueryValue>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
}
