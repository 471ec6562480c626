/**
 * DuckDB macros for the Trino (Athena engine v3) functions the analyst docs use, so a query
 * written for Athena runs on the local lake as written. Each entry says where the dialects
 * differ; `docs/analysts-athena.md` lists the same table for readers.
 */
import { LATENCY_BUCKETS_MS } from '../schemas/rollups.ts';

export interface CompatMacro {
  name: string;
  sql: string;
  why: string;
}

const bounds = `[${LATENCY_BUCKETS_MS.join(', ')}]`;

export const TRINO_COMPAT_MACROS: readonly CompatMacro[] = [
  {
    name: 'approx_percentile',
    sql: 'CREATE OR REPLACE MACRO approx_percentile(x, p) AS quantile_disc(x, p)',
    why: "Trino's approximate percentile; locally the exact value from the data (DuckDB's approx_quantile differs run to run)",
  },
  {
    name: 'approx_distinct',
    sql: 'CREATE OR REPLACE MACRO approx_distinct(x) AS count(DISTINCT x)',
    why: 'Trino HyperLogLog distinct count; exact locally',
  },
  {
    name: 'date_diff',
    sql: 'CREATE OR REPLACE MACRO date_diff(unit, a, b) AS date_sub(unit, a, b)',
    why: "Trino counts whole units elapsed; DuckDB's built-in date_diff counts boundaries crossed (10:59:59 → 11:00:00 is 1 minute there, 0 in Trino)",
  },
  {
    name: 'from_iso8601_timestamp',
    sql: 'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
    why: 'Trino parses ISO-8601 text to a timestamp with time zone',
  },
  {
    name: 'to_iso8601',
    sql: `CREATE OR REPLACE MACRO to_iso8601(ts) AS strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ')`,
    why: 'Trino formats a timestamp as ISO-8601 text (UTC here)',
  },
  {
    name: 'json_extract_scalar',
    sql: 'CREATE OR REPLACE MACRO json_extract_scalar(j, path) AS json_extract_string(j, path)',
    why: "Trino's scalar from JSON text by JSONPath; DuckDB's json_extract_string",
  },
  {
    name: 'regexp_like',
    sql: 'CREATE OR REPLACE MACRO regexp_like(s, pattern) AS regexp_matches(s, pattern)',
    why: 'Trino regex test',
  },
  {
    name: 'url_extract_host',
    sql: `CREATE OR REPLACE MACRO url_extract_host(u) AS nullif(regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]*)', 1), '')`,
    why: 'Trino URL function',
  },
  {
    name: 'url_extract_path',
    sql: `CREATE OR REPLACE MACRO url_extract_path(u) AS CASE WHEN regexp_matches(u, '^[A-Za-z][A-Za-z0-9+.-]*://') THEN regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^?#]*)', 1) END`,
    why: 'Trino URL function (path without query string)',
  },
  {
    name: 'alt_hist_sum',
    sql: 'CREATE OR REPLACE MACRO alt_hist_sum(h) AS list_reduce(list(h), (a, b) -> list_transform(range(1, len(a) + 1), i -> a[i] + b[i]))',
    why: 'the rollup histogram aggregate of the Aurora DDL, so rollup queries run on hits_hourly locally too',
  },
  {
    name: 'alt_hist_quantile',
    sql: `CREATE OR REPLACE MACRO alt_hist_quantile(hist, q) AS CASE WHEN list_sum(hist) > 0 THEN ${bounds}[least(list_filter(range(1, len(hist) + 1), i -> list_sum(hist[1:i]) >= q * list_sum(hist))[1], ${LATENCY_BUCKETS_MS.length})] END`,
    why: 'the Aurora function: upper bound (ms) of the histogram bucket holding quantile q',
  },
];
