import type { Command } from 'commander';
import { athenaDdl, DEFAULT_ATHENA } from '../../schemas/ddl/athena.ts';
import { auroraMigrations } from '../../schemas/ddl/aurora.ts';
import { qualitySql } from '../../schemas/ddl/quality.ts';
import { DEFAULT_SNOWFLAKE, snowflakeDdl } from '../../schemas/ddl/snowflake.ts';

const TARGETS = ['athena', 'snowflake', 'aurora', 'quality'] as const;

function lakeLocation(bucket: string | undefined, fallback: string): string {
  return bucket ? `s3://${bucket.replace(/^s3:\/\//, '').replace(/\/?$/, '/')}` : fallback;
}

export function registerDdl(program: Command): void {
  program
    .command('ddl')
    .description('print generated SQL: athena | snowflake | aurora | quality')
    .argument('<target>', TARGETS.join(' | '))
    .option('--lake-bucket <bucket>', 'lake bucket (or s3://bucket/prefix)', process.env.ALT_LAKE_BUCKET)
    .option('--database <name>', 'Athena/Glue database or Snowflake database')
    .option('--table <name>', 'table name')
    .option('--role-arn <arn>', 'Snowflake storage integration IAM role')
    .action(
      (target: string, o: { lakeBucket?: string; database?: string; table?: string; roleArn?: string }) => {
        switch (target) {
          case 'athena':
            process.stdout.write(
              athenaDdl({
                database: o.database ?? DEFAULT_ATHENA.database,
                table: o.table ?? DEFAULT_ATHENA.table,
                lakeLocation: lakeLocation(o.lakeBucket, DEFAULT_ATHENA.lakeLocation),
              }),
            );
            return;
          case 'snowflake':
            process.stdout.write(
              snowflakeDdl({
                ...DEFAULT_SNOWFLAKE,
                database: o.database ?? DEFAULT_SNOWFLAKE.database,
                table: o.table ?? DEFAULT_SNOWFLAKE.table,
                awsRoleArn: o.roleArn ?? DEFAULT_SNOWFLAKE.awsRoleArn,
                lakeLocation: lakeLocation(o.lakeBucket, DEFAULT_SNOWFLAKE.lakeLocation),
              }),
            );
            return;
          case 'aurora':
            for (const m of auroraMigrations()) process.stdout.write(`-- migration ${m.id}\n${m.sql}\n`);
            return;
          case 'quality':
            process.stdout.write(qualitySql(o.table ?? 'hits'));
            return;
          default:
            throw new Error(`unknown ddl target "${target}": expected one of ${TARGETS.join(', ')}`);
        }
      },
    );
}
