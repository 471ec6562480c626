/**
 * Quoting for the SQL ALT writes: DuckDB (writers, compaction, the local query engine, purge),
 * and the DDL rendered for Athena and Snowflake. All of them take the SQL-standard forms — a
 * literal in single quotes with `'` doubled, an identifier in double quotes with `"` doubled — so
 * one pair serves every dialect. Nothing else is escaped: DuckDB and PostgreSQL (with
 * `standard_conforming_strings`, the default) read a backslash as itself, and a NUL byte or a
 * newline passes through as written.
 *
 * Snowflake string literals and Athena's Hive DDL (`CREATE EXTERNAL TABLE … COMMENT '…'`) read a
 * backslash as an escape instead, so a value with a backslash does not round-trip there; the
 * values quoted for them are our own column docs and operator settings (role ARN, external id,
 * S3 URL), which hold none.
 *
 * It lives in `schemas/` because the DDL generators here need it and `schemas/` imports nothing
 * from outside itself; the rest of the tree imports it from here.
 */

/** `it's` → `'it''s'`. */
export const quoteLiteral = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** `my "col"` → `"my ""col"""`. */
export const quoteIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`;
