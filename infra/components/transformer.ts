/**
 * The transformer Lambda (DESIGN §5) on a Kinesis event source mapping, plus the one-shot
 * migration Lambda that applies `auroraMigrations()` on every deploy whose migration set changed.
 *
 * The mapping is bounded (DESIGN §12): by default it retries a poison batch until the records age
 * out of the stream, stalling the shard. Here it bisects failing batches, takes partial batch
 * responses, gives up after `maximumRetryAttempts` / `maximumRecordAgeSeconds`, and sends the
 * failed range's metadata (shard, sequence numbers — not the records) to an SQS DLQ; the raw
 * archive or the stream is re-read from there (`alt replay`).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { auroraMigrations } from '../../schemas/index.ts';
import type { Arch, TransformerConfig } from '../config.ts';
import { lambdaRuntime, NODE_MAJOR } from '../node-line.ts';
import {
  assumeRolePolicy,
  lambdaVpcStatement,
  logStatement,
  policyDocument,
  servicePrincipal,
} from './iam.ts';

export interface TransformerArgs extends TransformerConfig {
  bundleDir: string;
  migrateBundleDir: string;
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  securityGroupId: pulumi.Input<string>;
  stream: { arn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
  lake: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
  database: { host: pulumi.Input<string>; secretArn: pulumi.Input<string> };
  logRetentionDays: number;
}

export const LAMBDA_RUNTIME = lambdaRuntime(NODE_MAJOR); // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
export const lambdaArchitecture = (a: Arch) => (a === 'arm64' ? 'arm64' : 'x86_64');

/** Hash of the migration set: a new migration changes the invocation input, so it runs again. */
export const migrationsDigest = () =>
  createHash('sha256')
    .update(JSON.stringify(auroraMigrations().map((m) => [m.id, m.sql])))
    .digest('hex');

export class Transformer extends pulumi.ComponentResource {
  readonly dlq: aws.sqs.Queue;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly migrateLogGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  readonly rolePolicy: aws.iam.RolePolicy;
  readonly migrateRole: aws.iam.Role;
  readonly migrateRolePolicy: aws.iam.RolePolicy;
  readonly function: aws.lambda.Function;
  readonly migrateFunction: aws.lambda.Function;
  readonly migration: aws.lambda.Invocation;
  readonly eventSourceMapping: aws.lambda.EventSourceMapping;

  constructor(name: string, args: TransformerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:transform:Transformer', name, {}, opts);
    const parent = { parent: this };
    this.dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      { sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 },
      parent,
    );
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays },
      parent,
    );
    this.migrateLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-migrate-logs`,
      { retentionInDays: args.logRetentionDays },
      parent,
    );
    const lambdaRole = (id: string) =>
      new aws.iam.Role(
        `${name}-${id}`,
        { assumeRolePolicy: assumeRolePolicy([servicePrincipal('lambda.amazonaws.com')]) },
        parent,
      );
    this.role = lambdaRole('role');
    this.migrateRole = lambdaRole('migrate-role');
    const secretStatement = {
      Sid: 'DatabaseSecret',
      Effect: 'Allow' as const,
      Action: 'secretsmanager:GetSecretValue',
      Resource: args.database.secretArn,
    };
    this.rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          {
            Sid: 'ReadStream',
            Effect: 'Allow',
            Action: [
              'kinesis:GetRecords',
              'kinesis:GetShardIterator',
              'kinesis:DescribeStream',
              'kinesis:DescribeStreamSummary',
              'kinesis:ListShards',
              'kinesis:SubscribeToShard',
            ],
            Resource: args.stream.arn,
          },
          { Sid: 'StreamKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: args.stream.keyArn },
          { Sid: 'ListLake', Effect: 'Allow', Action: 's3:ListBucket', Resource: args.lake.bucketArn },
          {
            Sid: 'WriteLake',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
            Resource: pulumi.interpolate`${args.lake.bucketArn}/*`,
          },
          {
            Sid: 'LakeKey',
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: args.lake.keyArn,
          },
          { Sid: 'FailedBatches', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: this.dlq.arn },
          secretStatement,
          logStatement(this.logGroup.arn),
          lambdaVpcStatement,
        ]),
      },
      parent,
    );
    this.migrateRolePolicy = new aws.iam.RolePolicy(
      `${name}-migrate-policy`,
      {
        role: this.migrateRole.id,
        policy: policyDocument([secretStatement, logStatement(this.migrateLogGroup.arn), lambdaVpcStatement]),
      },
      parent,
    );
    const vpcConfig = { subnetIds: args.privateSubnetIds, securityGroupIds: [args.securityGroupId] };
    const databaseEnv = {
      ALT_DATABASE_HOST: args.database.host,
      ALT_DATABASE_SECRET_ARN: args.database.secretArn,
    };
    this.function = new aws.lambda.Function(
      name,
      {
        runtime: LAMBDA_RUNTIME,
        // Must match the DuckDB binary installed beside the bundle (infra/build).
        architectures: [lambdaArchitecture(args.architecture)],
        handler: 'index.handler',
        code: new pulumi.asset.FileArchive(path.resolve(args.bundleDir)),
        role: this.role.arn,
        memorySize: args.memoryMb,
        timeout: args.timeoutSeconds,
        vpcConfig,
        loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
        environment: {
          variables: {
            NODE_OPTIONS: '--enable-source-maps',
            ALT_LAKE_BUCKET: args.lake.bucketName,
            ...databaseEnv,
          },
        },
      },
      { parent: this, dependsOn: [this.rolePolicy] },
    );
    this.migrateFunction = new aws.lambda.Function(
      `${name}-migrate`,
      {
        runtime: LAMBDA_RUNTIME,
        architectures: [lambdaArchitecture(args.architecture)],
        handler: 'index.handler',
        code: new pulumi.asset.FileArchive(path.resolve(args.migrateBundleDir)),
        role: this.migrateRole.arn,
        memorySize: 256,
        timeout: 300,
        vpcConfig,
        loggingConfig: { logFormat: 'JSON', logGroup: this.migrateLogGroup.name },
        environment: { variables: databaseEnv },
      },
      { parent: this, dependsOn: [this.migrateRolePolicy] },
    );
    this.migration = new aws.lambda.Invocation(
      `${name}-migrate-run`,
      {
        functionName: this.migrateFunction.name,
        input: JSON.stringify({ migrations: migrationsDigest() }),
        triggers: { migrations: migrationsDigest() },
      },
      parent,
    );
    this.eventSourceMapping = new aws.lambda.EventSourceMapping(
      `${name}-kinesis`,
      {
        eventSourceArn: args.stream.arn,
        functionName: this.function.arn,
        startingPosition: 'TRIM_HORIZON',
        batchSize: args.batchSize,
        maximumBatchingWindowInSeconds: args.batchingWindowSeconds,
        parallelizationFactor: args.parallelizationFactor,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ['ReportBatchItemFailures'],
        maximumRetryAttempts: args.maximumRetryAttempts,
        maximumRecordAgeInSeconds: args.maximumRecordAgeSeconds,
        destinationConfig: { onFailure: { destinationArn: this.dlq.arn } },
      },
      // Tables must exist before the first batch lands.
      { parent: this, dependsOn: [this.migration] },
    );
    this.registerOutputs({ functionName: this.function.name, dlqUrl: this.dlq.url });
  }
}
