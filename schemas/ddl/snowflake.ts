/**
 * Snowflake storage integration, stage and external table over the lake (DESIGN §6).
 * External tables do not inherit the stage's file format, and partition expressions may not use
 * regular expressions: partitions are parsed from METADATA$FILENAME with SPLIT_PART.
 */
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../columns.ts';
import { quoteIdent, quoteLiteral } from '../sql-quote.ts';
import { SNOWFLAKE_TYPE } from '../types.ts';

export interface SnowflakeDdlOptions {
  database: string;
  schema: string;
  integration: string;
  stage: string;
  table: string;
  /** `s3://bucket/prefix/`; the stage points at `<lakeLocation>hits/`. */
  lakeLocation: string;
  /** The IAM role Snowflake assumes (output of the Pulumi stack). */
  awsRoleArn: string;
  /**
   * Pinned STORAGE_AWS_EXTERNAL_ID. Without it every re-created integration mints a new id and the
   * role's sts:ExternalId condition stops matching.
   */
  externalId?: string;
}

export const DEFAULT_SNOWFLAKE: SnowflakeDdlOptions = {
  database: 'ALT',
  schema: 'LAKE',
  integration: 'ALT_LAKE_INTEGRATION',
  stage: 'ALT_LAKE_STAGE',
  table: 'HITS',
  lakeLocation: 's3://alt-lake-dev/',
  awsRoleArn: 'arn:aws:iam::123456789012:role/alt-dev-snowflake',
};

export interface SnowflakeColumn {
  name: string;
  type: string;
  expr: string;
}

/**
 * The partition columns, each parsed by its key (`/year=`, `/month=`, …) rather than by position.
 * Snowflake documents METADATA$FILENAME as the file's name "including its path in the stage"
 * (https://docs.snowflake.com/en/user-guide/tables-external-intro) and as "the full path to the
 * data file" (https://docs.snowflake.com/en/user-guide/querying-metadata): whether the stage's own
 * prefix (`hits/`, or deeper) is part of it is not something a positional parse can afford to
 * guess, and the issue that found the off-by-one saw the prefix included. Splitting on the key
 * works for both. A '/' is prepended so a path that starts with `year=` still has `/year=`, and the
 * delimiter carries the slash so `day=` never matches inside another segment.
 * SPLIT_PART is 1-based and returns '' when the part is out of range
 * (https://docs.snowflake.com/en/sql-reference/functions/split_part); partition expressions may
 * not use regular expressions (https://docs.snowflake.com/en/sql-reference/sql/create-external-table).
 * Types follow the requirement: NUMBER(4,0) for the year, NUMBER(2,0) for month, day and hour.
 */
export function snowflakePartitionColumns(): SnowflakeColumn[] {
  return PARTITION_COLUMNS.map((p) => {
    const type = `NUMBER(${p.digits === 4 ? 4 : 2},0)`;
    const value = `SPLIT_PART(SPLIT_PART('/' || METADATA$FILENAME, '/${p.name}=', 2), '/', 1)`;
    return { name: p.name.toUpperCase(), type, expr: `${value}::${type}` };
  });
}

/**
 * A Parquet TIMESTAMP(MICROS, UTC) column can reach VALUE in more than one form, and Snowflake's
 * pages do not say which one an external table gets. Whether the Parquet reader applies logical
 * types is a file-format option (USE_LOGICAL_TYPE, next to USE_VECTORIZED_SCANNER:
 * https://docs.snowflake.com/en/sql-reference/sql/create-file-format); users who read such files
 * without it report the physical INT64 — microseconds since the epoch — in VARIANT
 * (https://github.com/ibis-project/ibis/pull/9181, https://github.com/tekumara/fakesnow/pull/401,
 * https://github.com/bruin-data/ingestr/pull/775), with it a TIMESTAMP_LTZ/NTZ, and strings exist
 * too. Each form is handled explicitly
 * (https://docs.snowflake.com/en/sql-reference/functions/is_integer,
 * https://docs.snowflake.com/en/sql-reference/functions/is_timestamp,
 * https://docs.snowflake.com/en/sql-reference/functions/to_timestamp): an integer is read with an
 * explicit scale of 6 (microseconds, never the magnitude heuristic TO_TIMESTAMP applies to a bare
 * VARIANT integer), a zoned timestamp is moved to UTC before the zone is dropped (casting an LTZ
 * straight to NTZ would keep the session's wall clock), and anything else (a string, an NTZ
 * timestamp) is cast as is. The result is TIMESTAMP_NTZ holding UTC.
 */
export function snowflakeTimestampExpr(column: string): string {
  const v = `VALUE:${column}`;
  return [
    `CASE WHEN IS_INTEGER(${v}) THEN TO_TIMESTAMP_NTZ(${v}::NUMBER, 6)`,
    `WHEN IS_TIMESTAMP_LTZ(${v}) OR IS_TIMESTAMP_TZ(${v}) THEN CONVERT_TIMEZONE('UTC', ${v}::TIMESTAMP_TZ)::TIMESTAMP_NTZ`,
    `ELSE ${v}::TIMESTAMP_NTZ END`,
  ].join(' ');
}

/**
 * Lake columns as virtual columns over VALUE. None is declared NOT NULL: an external table cannot
 * enforce it, and the requirement keeps user_agent and client_ip nullable there even though the
 * lake writes them non-null.
 */
export function snowflakeValueColumns(): (SnowflakeColumn & { comment: string })[] {
  return LAKE_COLUMNS.map((c) => {
    const type = SNOWFLAKE_TYPE[c.type];
    const expr =
      c.type === 'json'
        ? `TRY_PARSE_JSON(VALUE:${c.name}::VARCHAR)`
        : c.type === 'timestamp'
          ? snowflakeTimestampExpr(c.name)
          : `VALUE:${c.name}::${type}`;
    return { name: c.name.toUpperCase(), type, expr, comment: c.doc };
  });
}

export function snowflakeDdl(opts: SnowflakeDdlOptions = DEFAULT_SNOWFLAKE): string {
  const fq = (name: string) => `${opts.database}.${opts.schema}.${name}`;
  const stageUrl = `${opts.lakeLocation}hits/`;
  const partitionCols = snowflakePartitionColumns().map(
    (c) => `  ${quoteIdent(c.name)} ${c.type} AS (${c.expr})`,
  );
  const valueCols = snowflakeValueColumns().map(
    (c) => `  ${quoteIdent(c.name)} ${c.type} AS (${c.expr}) COMMENT ${quoteLiteral(c.comment)}`,
  );
  return [
    '-- Run as ACCOUNTADMIN (integration) and as the lake owner role (stage, table).',
    `CREATE STORAGE INTEGRATION IF NOT EXISTS ${opts.integration}`,
    '  TYPE = EXTERNAL_STAGE',
    "  STORAGE_PROVIDER = 'S3'",
    '  ENABLED = TRUE',
    `  STORAGE_AWS_ROLE_ARN = ${quoteLiteral(opts.awsRoleArn)}`,
    ...(opts.externalId === undefined
      ? []
      : [`  STORAGE_AWS_EXTERNAL_ID = ${quoteLiteral(opts.externalId)}`]),
    `  STORAGE_ALLOWED_LOCATIONS = (${quoteLiteral(stageUrl)});`,
    '',
    `CREATE DATABASE IF NOT EXISTS ${opts.database};`,
    `CREATE SCHEMA IF NOT EXISTS ${opts.database}.${opts.schema};`,
    '',
    `CREATE STAGE IF NOT EXISTS ${fq(opts.stage)}`,
    `  URL = ${quoteLiteral(stageUrl)}`,
    `  STORAGE_INTEGRATION = ${opts.integration}`,
    '  FILE_FORMAT = (TYPE = PARQUET);',
    '',
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${fq(opts.table)} (`,
    [...partitionCols, ...valueCols].join(',\n'),
    ')',
    `PARTITION BY (${PARTITION_COLUMNS.map((p) => quoteIdent(p.name.toUpperCase())).join(', ')})`,
    `LOCATION = @${fq(opts.stage)}`,
    "PATTERN = '.*[.]parquet'",
    'AUTO_REFRESH = TRUE',
    'FILE_FORMAT = (TYPE = PARQUET);',
    '',
    "-- The SQS queue to point the lake bucket's s3:ObjectCreated notifications at (hits/ prefix):",
    `-- SELECT "notification_channel" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) after SHOW EXTERNAL TABLES LIKE '${opts.table}' IN SCHEMA ${opts.database}.${opts.schema};`,
    `-- DESC INTEGRATION ${opts.integration}; gives STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID for the IAM trust policy.`,
    '',
  ].join('\n');
}
