/**
 * Data-quality queries over the lake's `hits` table (with partition columns). Each returns rows
 * only when something is wrong, so "no rows" means pass.
 *
 * Every query is limited to a window of whole UTC days by equality predicates on the partition
 * columns (year, month, day), so Athena's partition projection enumerates only those days' hour
 * partitions instead of every projected hour up to the workgroup's bytes-scanned cutoff: Athena
 * combines the query's conditions on partition keys with the projection range to generate the
 * locations it reads (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html).
 * A window either names its days as literals (`until` given: `alt validate`, which renders the
 * SQL when it runs) or is relative to `current_date` (the named queries saved at deploy time, and
 * `alt ddl quality`). In the relative form each day is `year(current_date - INTERVAL 'k' DAY)` and
 * so on: Trino folds these to constants before planning, so they prune like literals
 * (https://trino.io/blog/2023/04/03/date-predicates.html; pruning with `CURRENT_DATE` arithmetic on
 * the Hive connector: https://github.com/trinodb/trino/issues/19097). Both forms run on Athena
 * (Trino) and DuckDB alike.
 */
import { APP_STATUSES, EVENT_TYPES, LAKE_COLUMNS, PARTITION_COLUMNS, SOURCES } from '../columns.ts';
import { quoteIdent, quoteLiteral } from '../sql-quote.ts';

export interface QualityQuery {
  name: string;
  description: string;
  sql: string;
}

/** Days each check looks back unless told otherwise: a week of hours, 168 partitions. */
export const DEFAULT_QUALITY_DAYS = 7;

export interface QualityWindow {
  /** Whole UTC days checked, ending with the day of `until` (or today) inclusive. */
  days: number;
  /** Last day checked, as literal dates in the SQL; without it the SQL is relative to `current_date`. */
  until?: Date;
}

/** `timestamp` is a type keyword in Trino: quoted wherever it names the column. */
const quote = (column: string) => (column === 'timestamp' ? quoteIdent(column) : column);

const list = (values: readonly string[]) => values.map(quoteLiteral).join(', ');

/** [year, month, day] expressions of each day in the window, newest first. */
function windowDays(window: QualityWindow): [string, string, string][] {
  if (!Number.isInteger(window.days) || window.days < 1)
    throw new Error(`window days must be ≥ 1, got ${window.days}`);
  const out: [string, string, string][] = [];
  for (let k = 0; k < window.days; k++) {
    if (window.until) {
      const d = new Date(window.until.getTime() - k * 86_400_000);
      out.push([String(d.getUTCFullYear()), String(d.getUTCMonth() + 1), String(d.getUTCDate())]);
    } else {
      const day = `current_date - INTERVAL '${k}' DAY`;
      out.push([`year(${day})`, `month(${day})`, `day(${day})`]);
    }
  }
  return out;
}

/**
 * `((year = … AND month = … AND day = …) OR …)`, one term per day. With `nullable`, a NULL partition
 * value also matches (each column still bounded), for the check that looks for NULL partitions.
 */
export function windowPredicate(window: QualityWindow, opts: { nullable?: boolean } = {}): string {
  const names = PARTITION_COLUMNS.slice(0, 3).map((p) => p.name);
  const terms = windowDays(window).map(
    (values) =>
      `(${names
        .map((n, i) => (opts.nullable ? `(${n} = ${values[i]} OR ${n} IS NULL)` : `${n} = ${values[i]}`))
        .join(' AND ')})`,
  );
  return `(${terms.join(' OR ')})`;
}

function describeWindow(window: QualityWindow): string {
  const days = window.days === 1 ? 'day' : `${window.days} days`;
  return window.until ? `the ${days} to ${window.until.toISOString().slice(0, 10)}` : `the last ${days}`;
}

export function qualityQueries(
  table = 'hits',
  window: QualityWindow = { days: DEFAULT_QUALITY_DAYS },
): QualityQuery[] {
  const required = LAKE_COLUMNS.filter((c) => !c.nullable).map((c) => c.name);
  const w = windowPredicate(window);
  const span = describeWindow(window);
  const partitions = PARTITION_COLUMNS.map((p) => p.name);
  return [
    {
      name: 'duplicate_log_id',
      description: `log_id is unique (${span})`,
      sql: `SELECT log_id, count(*) AS copies FROM ${table} WHERE ${w} GROUP BY log_id HAVING count(*) > 1 ORDER BY copies DESC LIMIT 100`,
    },
    {
      name: 'null_partition',
      description: `every row has year/month/day/hour from its path (${span})`,
      sql: `SELECT count(*) AS bad_rows FROM ${table} WHERE ${windowPredicate(window, { nullable: true })} AND (${partitions.map((p) => `${p} IS NULL`).join(' OR ')}) HAVING count(*) > 0`,
    },
    {
      name: 'partition_mismatch',
      description: `the path's hour equals the UTC hour of timestamp (${span})`,
      sql: `SELECT year, month, day, hour, count(*) AS bad_rows FROM ${table} WHERE ${w} AND (${partitions.map((p) => `${p} <> ${p}("timestamp")`).join(' OR ')}) GROUP BY year, month, day, hour`,
    },
    {
      name: 'null_required',
      description: `non-nullable columns are never NULL (${span})`,
      sql: `SELECT count(*) AS bad_rows FROM ${table} WHERE ${w} AND (${required.map((c) => `${quote(c)} IS NULL`).join(' OR ')}) HAVING count(*) > 0`,
    },
    {
      name: 'invalid_status',
      description: `status is NULL or one of ${APP_STATUSES.join(', ')} (${span})`,
      sql: `SELECT status, count(*) AS bad_rows FROM ${table} WHERE ${w} AND status IS NOT NULL AND status NOT IN (${list(APP_STATUSES)}) GROUP BY status`,
    },
    {
      name: 'status_code_out_of_range',
      description: `status_code is NULL or an HTTP status between 100 and 599 (${span})`,
      sql: `SELECT status_code, count(*) AS bad_rows FROM ${table} WHERE ${w} AND status_code IS NOT NULL AND (status_code < 100 OR status_code > 599) GROUP BY status_code`,
    },
    {
      name: 'invalid_enum',
      description: `event_type and source hold known values (${span})`,
      sql: `SELECT event_type, source, count(*) AS bad_rows FROM ${table} WHERE ${w} AND (event_type NOT IN (${list(EVENT_TYPES)}) OR source NOT IN (${list(SOURCES)})) GROUP BY event_type, source`,
    },
  ];
}

export function qualitySql(table = 'hits', window: QualityWindow = { days: DEFAULT_QUALITY_DAYS }): string {
  return qualityQueries(table, window)
    .map((q) => `-- ${q.name}: ${q.description}\n${q.sql};\n`)
    .join('\n');
}
