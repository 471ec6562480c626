import type { Command } from 'commander';
import { athenaDdl, DEFAULT_ATHENA, projectionYears } from '../../schemas/ddl/athena.ts';
import { auroraMigrations } from '../../schemas/ddl/aurora.ts';
import { DEFAULT_QUALITY_DAYS, qualitySql } from '../../schemas/ddl/quality.ts';
import { DEFAULT_SNOWFLAKE, snowflakeDdl } from '../../schemas/ddl/snowflake.ts';

const TARGETS = ['athena', 'snowflake', 'aurora', 'quality'] as const;

/**
 * S3 general purpose bucket naming rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3–63 characters
 * of lowercase letters, digits, dots and hyphens; begins and ends with a letter or digit; no two
 * adjacent dots; not an IP address; none of the reserved prefixes and suffixes.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `must not start with the reserved prefix ${prefix}`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `must not end with the reserved suffix ${suffix}`;
  }
  return undefined;
}

/** `bucket`, `bucket/prefix` or `s3://bucket/prefix` → `s3://bucket/prefix/`, refusing a bucket S3 would refuse. */
export function lakeLocation(value: string): string {
  const path = value.replace(/^s3:\/\//, '').replace(/\/+$/, '');
  const [bucket, ...prefix] = path.split('/');
  const problem = bucketNameProblem(bucket);
  if (problem) {
    throw new Error(
      `--lake-bucket "${value}": "${bucket}" is not a valid S3 bucket name (${problem}; see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)`,
    );
  }
  if (prefix.some((p) => p === ''))
    throw new Error(`--lake-bucket "${value}": the prefix has an empty path segment`);
  return `s3://${[bucket, ...prefix].join('/')}/`;
}

/** Account ids and names that only ever appear in examples and templates. */
const PLACEHOLDER_ACCOUNTS = new Set(['123456789012', '999999999999', '000000000000']);

/**
 * The storage integration's role. IAM role ARN format as AWS APIs validate it
 * (https://docs.aws.amazon.com/resilience-hub/v2/APIReference/API_CrossAccountRole.html:
 * `arn:<partition>:iam::<12 digits>:role/<path><name>`); placeholder ARNs are refused because
 * Snowflake would be told to assume a role that does not exist.
 */
export function roleArnProblem(arn: string): string | undefined {
  const m =
    /^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?):iam::(\d{12}):role\/(?:[!-~]+\/)?[A-Za-z0-9_+=,.@-]{1,64}$/.exec(
      arn,
    );
  if (!m) return 'is not an IAM role ARN (arn:aws:iam::<account-id>:role/<name>)';
  if (PLACEHOLDER_ACCOUNTS.has(m[2]) || /^0+$/.test(m[2])) return `names the placeholder account ${m[2]}`;
  if (/placeholder|changeme/i.test(arn)) return 'is a placeholder';
  return undefined;
}

/**
 * STS accepts an external id of letters, digits, no spaces, and `_=,.@:/-`
 * (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/sts/aws.sdk.kotlin.services.sts.model/-assume-role-request/external-id.html).
 */
export function externalIdProblem(id: string): string | undefined {
  if (id.length < 2) return 'must be at least 2 characters';
  if (!/^[\w+=,.@:/-]+$/.test(id)) return 'may hold only letters, digits and _+=,.@:/- (no spaces)';
  if (/placeholder|changeme/i.test(id) || /^0+$/.test(id.replace(/[^0-9a-z]/gi, '')))
    return 'is a placeholder';
  return undefined;
}

function positiveInt(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`${flag} must be a whole number from 1 to ${max}, got "${value}"`);
  return n;
}

interface DdlFlags {
  lakeBucket?: string;
  database?: string;
  table?: string;
  roleArn?: string;
  externalId?: string;
  firstYear?: string;
  days?: string;
}

export function ddlText(target: string, o: DdlFlags, now = new Date()): string {
  switch (target) {
    case 'athena': {
      const years = projectionYears(now);
      const first = positiveInt('--first-year', o.firstYear, years.first, years.last);
      return athenaDdl({
        database: o.database ?? DEFAULT_ATHENA.database,
        table: o.table ?? DEFAULT_ATHENA.table,
        lakeLocation: o.lakeBucket ? lakeLocation(o.lakeBucket) : DEFAULT_ATHENA.lakeLocation,
        years: { first, last: years.last },
      });
    }
    case 'snowflake': {
      if (!o.roleArn) throw new Error('ddl snowflake needs --role-arn (the stack output snowflakeRoleArn)');
      const arnProblem = roleArnProblem(o.roleArn);
      if (arnProblem)
        throw new Error(`--role-arn "${o.roleArn}" ${arnProblem}; use the stack output snowflakeRoleArn`);
      if (!o.externalId) {
        throw new Error(
          'ddl snowflake needs --external-id (alt:snowflake.externalId of the stack, pinned once)',
        );
      }
      const idProblem = externalIdProblem(o.externalId);
      if (idProblem) throw new Error(`--external-id "${o.externalId}" ${idProblem}`);
      // The integration may only read the locations it names: a default bucket would be wrong.
      if (!o.lakeBucket)
        throw new Error(
          'ddl snowflake needs --lake-bucket (or ALT_LAKE_BUCKET): the lake bucket of the stack',
        );
      return snowflakeDdl({
        ...DEFAULT_SNOWFLAKE,
        database: o.database ?? DEFAULT_SNOWFLAKE.database,
        table: o.table ?? DEFAULT_SNOWFLAKE.table,
        awsRoleArn: o.roleArn,
        externalId: o.externalId,
        lakeLocation: lakeLocation(o.lakeBucket),
      });
    }
    case 'aurora':
      return auroraMigrations()
        .map((m) => `-- migration ${m.id}\n${m.sql}\n`)
        .join('');
    case 'quality':
      return qualitySql(o.table ?? 'hits', {
        days: positiveInt('--days', o.days, DEFAULT_QUALITY_DAYS, 366),
      });
    default:
      throw new Error(`unknown ddl target "${target}": expected one of ${TARGETS.join(', ')}`);
  }
}

export function registerDdl(program: Command): void {
  program
    .command('ddl')
    .description('print generated SQL: athena | snowflake | aurora | quality')
    .argument('<target>', TARGETS.join(' | '))
    .option('--lake-bucket <bucket>', 'lake bucket (or s3://bucket/prefix)', process.env.ALT_LAKE_BUCKET)
    .option('--database <name>', 'Athena/Glue database or Snowflake database')
    .option('--table <name>', 'table name')
    .option(
      '--role-arn <arn>',
      'snowflake: the IAM role the storage integration assumes (stack output snowflakeRoleArn)',
    )
    .option('--external-id <id>', 'snowflake: the pinned STORAGE_AWS_EXTERNAL_ID (alt:snowflake.externalId)')
    .option('--first-year <year>', 'athena: first year the partition projection covers')
    .option('--days <n>', `quality: days each check looks back (default ${DEFAULT_QUALITY_DAYS})`)
    .action((target: string, o: DdlFlags) => {
      process.stdout.write(ddlText(target, o));
    });
}
