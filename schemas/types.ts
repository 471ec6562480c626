/** One mapping per output format from the logical column types of `columns.ts`. */
import type { ColumnType } from './columns.ts';
import type { MeasureType } from './rollups.ts';

/** Athena / Glue (Hive DDL) types. */
export const ATHENA_TYPE: Record<ColumnType, string> = {
  string: 'string',
  json: 'string',
  int32: 'int',
  double: 'double',
  timestamp: 'timestamp',
  boolean: 'boolean',
};

/** Snowflake types for the `VALUE:<col>::<type>` casts of the external table. */
export const SNOWFLAKE_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  json: 'VARIANT',
  int32: 'INTEGER',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP_NTZ',
  boolean: 'BOOLEAN',
};

/** DuckDB types: the typed table the Parquet writer fills and the explicit `read_json` columns. */
export const DUCKDB_TYPE: Record<ColumnType | MeasureType, string> = {
  string: 'VARCHAR',
  json: 'VARCHAR',
  int32: 'INTEGER',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMPTZ',
  boolean: 'BOOLEAN',
  int64: 'BIGINT',
  'int64[]': 'BIGINT[]',
};

/** PostgreSQL types, for any table that stores lake columns or rollup measures. */
export const POSTGRES_TYPE: Record<ColumnType | MeasureType, string> = {
  string: 'text',
  json: 'jsonb',
  int32: 'integer',
  double: 'double precision',
  timestamp: 'timestamptz',
  boolean: 'boolean',
  int64: 'bigint',
  'int64[]': 'bigint[]',
};
