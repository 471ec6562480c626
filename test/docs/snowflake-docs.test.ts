/**
 * docs/analysts-snowflake.md cannot run here (it needs a Snowflake account). What can be checked:
 * every SQL block names only lake columns, partition columns, its own aliases and the Snowflake
 * keywords, functions and system columns listed below, so a renamed or misspelt column fails
 * here; lake queries filter on partitions; and the objects it names are the generated DDL's.
 */
import { describe, expect, it } from 'vitest';
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../../schemas/columns.ts';
import { DEFAULT_SNOWFLAKE, snowflakeDdl } from '../../schemas/ddl/snowflake.ts';
import { sqlBlocks, stripLiterals } from './docs-sql.ts';

const blocks = sqlBlocks('analysts-snowflake.md');

// coalesce: https://docs.snowflake.com/en/sql-reference/functions/coalesce
const SNOWFLAKE_WORDS = `
  select from where and or not in is null group by order desc asc as with over partition qualify between
  case when then else end like ilike if exists create alter show desc describe refresh materialized view
  external tables table schema integration distinct limit
  count count_if sum min max avg iff row_number max_by approx_percentile date_trunc dateadd current_timestamp
  coalesce
  result_scan last_query_id system$external_table_pipe_status varchar integer boolean variant
  information_schema external_table_file_registration_history auto_refresh_registration_history
  snowflake account_usage query_history
  job_created_time file_name operation_status message file_size last_modified
  start_time end_time object_name object_type credits_used files_registered
  warehouse_name bytes_scanned total_elapsed_time credits_used_cloud_services query_text
  notification_channel table_name date_range_start
`
  .trim()
  .split(/\s+/);

const lakeNames = [...LAKE_COLUMNS.map((c) => c.name), ...PARTITION_COLUMNS.map((p) => p.name)];
const objectNames = [
  DEFAULT_SNOWFLAKE.database,
  'LAKE',
  DEFAULT_SNOWFLAKE.table,
  'ALT_LAKE_INTEGRATION',
  'HITS_HOURLY_MV',
];

function unknownIdentifiers(sql: string): string[] {
  const text = stripLiterals(sql)
    .replace(/(\w):\w+/g, '$1') // VARIANT paths: metadata:ab
    .replace(/"([A-Za-z_]+)"/g, '$1');
  const aliases = new Set(
    [...text.matchAll(/\bAS\s+([A-Za-z_]\w*)/gi), ...text.matchAll(/([A-Za-z_]\w*)\s+AS\s*\(/gi)].map((m) =>
      m[1].toLowerCase(),
    ),
  );
  const allowed = new Set([
    ...SNOWFLAKE_WORDS,
    ...lakeNames,
    ...objectNames.map((o) => o.toLowerCase()),
    ...aliases,
  ]);
  const words = [...text.matchAll(/[A-Za-z_][\w$]*/g)].map((m) => m[0].toLowerCase());
  return [...new Set(words.filter((w) => !allowed.has(w) && !/^\d/.test(w)))];
}

describe('docs/analysts-snowflake.md', () => {
  it('has named snowflake blocks for setup, monitoring, spikes, audience breakdowns, Web Vitals and the materialized view', () => {
    expect(blocks.every((b) => b.engine === 'snowflake' && b.name)).toBe(true);
    const names = blocks.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'file_registration_history',
        'auto_refresh_credits',
        'refresh_failures',
        'new_files_per_hour',
        'scanned_bytes',
        'error_spikes',
        'hourly_materialized_view',
        'open_hour_dedup',
        'top_browsers',
        'top_os',
        'countries',
        'channels',
        'utm_campaigns',
        'web_vitals_p75',
      ]),
    );
  });

  it.each(blocks.map((b) => [b.name, b] as const))('%s names only existing columns', (_name, b) => {
    expect(unknownIdentifiers(b.sql)).toEqual([]);
  });

  it('catches a misspelt column (the check can fail)', () => {
    expect(unknownIdentifiers('SELECT status_cod FROM ALT.LAKE.HITS WHERE year = 2026')).toEqual([
      'status_cod',
    ]);
  });

  it('filters lake queries on year/month/day', () => {
    for (const b of blocks.filter((b) => /FROM ALT\.LAKE\.HITS/.test(b.sql) && !/^CREATE/i.test(b.sql))) {
      expect(b.sql, b.name).toMatch(/\byear = \d+ AND month = \d+ AND day = \d+/);
    }
  });

  it('refers to the objects the generated DDL creates', () => {
    const ddl = snowflakeDdl(DEFAULT_SNOWFLAKE);
    expect(ddl).toContain('CREATE STORAGE INTEGRATION IF NOT EXISTS ALT_LAKE_INTEGRATION');
    expect(ddl).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS ALT.LAKE.HITS');
    expect(ddl).toMatch(/AUTO_REFRESH = TRUE\s+FILE_FORMAT = \(TYPE = PARQUET\)/);
    for (const c of LAKE_COLUMNS) expect(ddl).toContain(`"${c.name.toUpperCase()}"`);
  });
});
