/**
 * Data-quality queries over the lake's `hits` table (with partition columns). Each returns rows
 * only when something is wrong, so "no rows" means pass. Written in the SQL subset that Athena
 * (Trino), DuckDB and Snowflake share.
 */
import { APP_STATUSES, EVENT_TYPES, LAKE_COLUMNS, PARTITION_COLUMNS, SOURCES } from '../columns.ts';

export interface QualityQuery {
  name: string;
  description: string;
  sql: string;
}

const list = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export function qualityQueries(table = 'hits'): QualityQuery[] {
  const required = LAKE_COLUMNS.filter((c) => !c.nullable).map((c) => c.name);
  return [
    {
      name: 'duplicate_log_id',
      description: 'log_id must be unique across the lake',
      sql: `SELECT log_id, count(*) AS copies FROM ${table} GROUP BY log_id HAVING count(*) > 1 ORDER BY copies DESC LIMIT 100`,
    },
    {
      name: 'null_partition',
      description: 'every row has year/month/day/hour from its path',
      sql: `SELECT count(*) AS bad_rows FROM ${table} WHERE ${PARTITION_COLUMNS.map((p) => `${p.name} IS NULL`).join(' OR ')} HAVING count(*) > 0`,
    },
    {
      name: 'partition_mismatch',
      description: "the path's hour equals the UTC hour of timestamp",
      sql: `SELECT year, month, day, hour, count(*) AS bad_rows FROM ${table} WHERE year <> year(timestamp) OR month <> month(timestamp) OR day <> day(timestamp) OR hour <> hour(timestamp) GROUP BY year, month, day, hour`,
    },
    {
      name: 'null_required',
      description: 'non-nullable columns are never NULL',
      sql: `SELECT count(*) AS bad_rows FROM ${table} WHERE ${required.map((c) => `${c} IS NULL`).join(' OR ')} HAVING count(*) > 0`,
    },
    {
      name: 'invalid_status',
      description: `status is NULL or one of ${APP_STATUSES.join(', ')}`,
      sql: `SELECT status, count(*) AS bad_rows FROM ${table} WHERE status IS NOT NULL AND status NOT IN (${list(APP_STATUSES)}) GROUP BY status`,
    },
    {
      name: 'status_code_out_of_range',
      description: 'status_code is NULL or an HTTP status between 100 and 599',
      sql: `SELECT status_code, count(*) AS bad_rows FROM ${table} WHERE status_code IS NOT NULL AND (status_code < 100 OR status_code > 599) GROUP BY status_code`,
    },
    {
      name: 'invalid_enum',
      description: 'event_type and source hold known values',
      sql: `SELECT event_type, source, count(*) AS bad_rows FROM ${table} WHERE event_type NOT IN (${list(EVENT_TYPES)}) OR source NOT IN (${list(SOURCES)}) GROUP BY event_type, source`,
    },
  ];
}

export function qualitySql(table = 'hits'): string {
  return qualityQueries(table)
    .map((q) => `-- ${q.name}: ${q.description}\n${q.sql};\n`)
    .join('\n');
}
