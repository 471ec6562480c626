/**
 * IAM side of the Snowflake storage integration: a role Snowflake's IAM user assumes with a pinned
 * external id (re-creating the integration with the same id keeps the trust valid), allowed to
 * read only `hits/` in the lake. The Snowflake side (integration, stage, external table) is the
 * SQL from `snowflakeDdl()`, exported as a stack output: `@pulumi/snowflake` is not a dependency
 * of this project, so the SQL is run by an operator (docs/operations.md).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { DEFAULT_SNOWFLAKE, snowflakeDdl } from '../../schemas/index.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { assumeRolePolicy, policyDocument } from './iam.ts';

export interface SnowflakeIntegrationArgs {
  accountId: pulumi.Input<string>;
  externalId: string;
  /** Snowflake's IAM user; until known the role trusts only this account (see operations.md). */
  principalArn?: string;
  database: string;
  schema: string;
  lakeBucketName: pulumi.Input<string>;
  lakeBucketArn: pulumi.Input<string>;
  lakeKeyArn: pulumi.Input<string>;
}

/** `snowflakeDdl()` with the pinned external id added to the storage integration. */
export function integrationSql(ddl: string, externalId: string): string {
  const anchor = /^( {2}STORAGE_AWS_ROLE_ARN = '[^']*')$/m;
  if (!anchor.test(ddl))
    throw new Error('snowflakeDdl() output changed: STORAGE_AWS_ROLE_ARN line not found');
  return ddl.replace(anchor, `$1\n  STORAGE_AWS_EXTERNAL_ID = ${quoteLiteral(externalId)}`);
}

export class SnowflakeIntegration extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly rolePolicy: aws.iam.RolePolicy;
  readonly sql: pulumi.Output<string>;

  constructor(name: string, args: SnowflakeIntegrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:snowflake:SnowflakeIntegration', name, {}, opts);
    const parent = { parent: this };
    const principal = args.principalArn ?? pulumi.interpolate`arn:aws:iam::${args.accountId}:root`;
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: assumeRolePolicy([
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: principal },
            Condition: { StringEquals: { 'sts:ExternalId': args.externalId } },
          },
        ]),
      },
      parent,
    );
    this.rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          {
            Sid: 'ReadHits',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: pulumi.interpolate`${args.lakeBucketArn}/hits/*`,
          },
          {
            Sid: 'ListHits',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: args.lakeBucketArn,
            Condition: { StringLike: { 's3:prefix': ['hits/*', 'hits/'] } },
          },
          {
            Sid: 'BucketLocation',
            Effect: 'Allow',
            Action: 's3:GetBucketLocation',
            Resource: args.lakeBucketArn,
          },
          { Sid: 'LakeKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: args.lakeKeyArn },
        ]),
      },
      parent,
    );
    this.sql = pulumi.all([this.role.arn, args.lakeBucketName]).apply(([roleArn, bucket]) =>
      integrationSql(
        snowflakeDdl({
          ...DEFAULT_SNOWFLAKE,
          database: args.database,
          schema: args.schema,
          lakeLocation: `s3://${bucket}/`,
          awsRoleArn: roleArn,
        }),
        args.externalId,
      ),
    );
    this.registerOutputs({ roleArn: this.role.arn, sql: this.sql });
  }
}
