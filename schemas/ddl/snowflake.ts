/**
 * Snowflake storage integration, stage and external table over the lake (DESIGN §6).
 * External tables do not inherit the stage's file format, and partition expressions may not use
 * regular expressions: partitions are parsed from METADATA$FILENAME with SPLIT_PART.
 */
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../columns.ts';
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

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

export function snowflakeDdl(opts: SnowflakeDdlOptions = DEFAULT_SNOWFLAKE): string {
  const fq = (name: string) => `${opts.database}.${opts.schema}.${name}`;
  const stageUrl = `${opts.lakeLocation}hits/`;
  // METADATA$FILENAME is relative to the stage URL: `year=YYYY/month=MM/day=DD/hour=HH/<file>`.
  const partitionCols = PARTITION_COLUMNS.map(
    (p, i) =>
      `  "${p.name.toUpperCase()}" INTEGER AS (SPLIT_PART(SPLIT_PART(METADATA$FILENAME, '/', ${i + 1}), '=', 2)::INTEGER)`,
  );
  const valueCols = LAKE_COLUMNS.map((c) => {
    const expr =
      c.type === 'json'
        ? `TRY_PARSE_JSON(VALUE:${c.name}::VARCHAR)`
        : `VALUE:${c.name}::${SNOWFLAKE_TYPE[c.type]}`;
    return `  "${c.name.toUpperCase()}" ${SNOWFLAKE_TYPE[c.type]} AS (${expr}) COMMENT ${sqlString(c.doc)}`;
  });
  return [
    '-- Run as ACCOUNTADMIN (integration) and as the lake owner role (stage, table).',
    `CREATE STORAGE INTEGRATION IF NOT EXISTS ${opts.integration}`,
    '  TYPE = EXTERNAL_STAGE',
    "  STORAGE_PROVIDER = 'S3'",
    '  ENABLED = TRUE',
    `  STORAGE_AWS_ROLE_ARN = ${sqlString(opts.awsRoleArn)}`,
    `  STORAGE_ALLOWED_LOCATIONS = (${sqlString(stageUrl)});`,
    '',
    `CREATE DATABASE IF NOT EXISTS ${opts.database};`,
    `CREATE SCHEMA IF NOT EXISTS ${opts.database}.${opts.schema};`,
    '',
    `CREATE STAGE IF NOT EXISTS ${fq(opts.stage)}`,
    `  URL = ${sqlString(stageUrl)}`,
    `  STORAGE_INTEGRATION = ${opts.integration}`,
    '  FILE_FORMAT = (TYPE = PARQUET);',
    '',
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${fq(opts.table)} (`,
    [...partitionCols, ...valueCols].join(',\n'),
    ')',
    `PARTITION BY (${PARTITION_COLUMNS.map((p) => `"${p.name.toUpperCase()}"`).join(', ')})`,
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
