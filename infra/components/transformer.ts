/**
 * The transformer Lambda (DESIGN §5) on a Kinesis event source mapping, the one-shot migration
 * Lambda that applies `auroraMigrations()` on every deploy whose migration set changed, and the
 * compaction Lambda that EventBridge Scheduler runs every 15 minutes (closed hours, and hours that
 * received late files: DESIGN §5, docs/transformer.md).
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
import { COMPONENT_ROLES } from '../../schemas/ddl/aurora.ts';
import { auroraMigrations } from '../../schemas/index.ts';
import type { Arch, TransformerConfig } from '../config.ts';
import { lambdaRuntime, NODE_MAJOR } from '../node-line.ts';
import {
  assumeRolePolicy,
  type DatabaseRef,
  databaseAccessStatement,
  lambdaVpcStatement,
  logStatement,
  policyDocument,
  servicePrincipal,
} from './iam.ts';

export interface TransformerArgs extends TransformerConfig {
  bundleDir: string;
  migrateBundleDir: string;
  compactBundleDir: string;
  /** Aurora's instances: the migration run (and through it the mapping and schedule) waits for them. */
  databaseInstances: pulumi.Input<pulumi.Resource>[];
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  securityGroupId: pulumi.Input<string>;
  stream: { arn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
  lake: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
  database: DatabaseRef;
  accountId: pulumi.Input<string>;
  logRetentionDays: number;
}

export const LAMBDA_RUNTIME = lambdaRuntime(NODE_MAJOR); // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
export const lambdaArchitecture = (a: Arch) => (a === 'arm64' ? 'arm64' : 'x86_64');

/** How often compaction runs; it picks the hours that closed or received late files since. */
export const COMPACTION_SCHEDULE = 'rate(15 minutes)';
/** Compaction rewrites an hour's files and rollups; a busy hour takes minutes, not seconds. */
export const COMPACTION_TIMEOUT_SECONDS = 900;

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
  readonly compactLogGroup: aws.cloudwatch.LogGroup;
  readonly compactRole: aws.iam.Role;
  readonly compactRolePolicy: aws.iam.RolePolicy;
  readonly compactFunction: aws.lambda.Function;
  readonly compactInvokeConfig: aws.lambda.FunctionEventInvokeConfig;
  readonly schedulerRole: aws.iam.Role;
  readonly schedulerRolePolicy: aws.iam.RolePolicy;
  readonly compactSchedule: aws.scheduler.Schedule;

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
    this.compactLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-compact-logs`,
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
    this.compactRole = lambdaRole('compact-role');
    // The master secret is the migration's alone; the transformer and compaction log in as alt_transformer.
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
          databaseAccessStatement(args.database, COMPONENT_ROLES.transformer),
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
    const hitsObjects = pulumi.interpolate`${args.lake.bucketArn}/hits/*`;
    this.compactRolePolicy = new aws.iam.RolePolicy(
      `${name}-compact-policy`,
      {
        role: this.compactRole.id,
        policy: policyDocument([
          { Sid: 'ListLake', Effect: 'Allow', Action: 's3:ListBucket', Resource: args.lake.bucketArn },
          {
            Sid: 'RewriteHits',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
            Resource: hitsObjects,
          },
          // The only delete in the stack: compaction replaces an hour's batch files with one file.
          // On the versioned lake this leaves a delete marker; noncurrent versions expire by lifecycle.
          { Sid: 'DeleteCompactedHits', Effect: 'Allow', Action: 's3:DeleteObject', Resource: hitsObjects },
          {
            Sid: 'LakeKey',
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: args.lake.keyArn,
          },
          // Compaction recomputes an hour's rollups: the transformer's database rights are enough.
          databaseAccessStatement(args.database, COMPONENT_ROLES.transformer),
          logStatement(this.compactLogGroup.arn),
          lambdaVpcStatement,
        ]),
      },
      parent,
    );
    const vpcConfig = { subnetIds: args.privateSubnetIds, securityGroupIds: [args.securityGroupId] };
    // lib/db/connect.ts: a user means IAM auth as that role (TLS verified against the RDS CAs).
    const transformerDatabaseEnv = {
      ALT_DATABASE_HOST: args.database.host,
      ALT_DATABASE_USER: COMPONENT_ROLES.transformer,
    };
    const migrateDatabaseEnv = {
      ALT_DATABASE_HOST: args.database.host,
      ALT_DATABASE_SECRET_ARN: args.database.secretArn,
    };
    // What the three functions share: runtime and architecture (the DuckDB binary in the transformer
    // and compaction artifacts is built for it, infra/build), the VPC, JSON logs in their own group.
    const lambda = (bundleDir: string, role: aws.iam.Role, logGroup: aws.cloudwatch.LogGroup) => ({
      runtime: LAMBDA_RUNTIME,
      architectures: [lambdaArchitecture(args.architecture)],
      handler: 'index.handler',
      code: new pulumi.asset.FileArchive(path.resolve(bundleDir)),
      role: role.arn,
      vpcConfig,
      loggingConfig: { logFormat: 'JSON', logGroup: logGroup.name },
    });
    const lakeEnv = {
      variables: {
        NODE_OPTIONS: '--enable-source-maps',
        ALT_LAKE_BUCKET: args.lake.bucketName,
        ...transformerDatabaseEnv,
      },
    };
    this.function = new aws.lambda.Function(
      name,
      {
        ...lambda(args.bundleDir, this.role, this.logGroup),
        memorySize: args.memoryMb,
        timeout: args.timeoutSeconds,
        environment: lakeEnv,
      },
      { parent: this, dependsOn: [this.rolePolicy] },
    );
    this.migrateFunction = new aws.lambda.Function(
      `${name}-migrate`,
      {
        ...lambda(args.migrateBundleDir, this.migrateRole, this.migrateLogGroup),
        memorySize: 256,
        // The handler retries its connection with backoff until 30 s before this (a Serverless v2
        // writer can take minutes to accept connections even once the instance resource exists).
        timeout: 900,
        environment: { variables: migrateDatabaseEnv },
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
      // The cluster endpoint exists minutes before a writer instance answers on it.
      { parent: this, dependsOn: args.databaseInstances },
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
    this.compactFunction = new aws.lambda.Function(
      `${name}-compact`,
      {
        ...lambda(args.compactBundleDir, this.compactRole, this.compactLogGroup),
        memorySize: args.memoryMb,
        timeout: COMPACTION_TIMEOUT_SECONDS,
        // An hour's files and the merged file sit in /tmp while DuckDB merges them; 512 MB (the
        // default) is less than one busy hour. https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
        ephemeralStorage: { size: 10_240 },
        environment: lakeEnv,
      },
      { parent: this, dependsOn: [this.compactRolePolicy] },
    );
    // Scheduler invokes the function asynchronously, and Lambda retries a failed asynchronous
    // invocation twice by default: a retry would overlap the next scheduled run on the same hours.
    // https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html
    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
    this.compactInvokeConfig = new aws.lambda.FunctionEventInvokeConfig(
      `${name}-compact-async`,
      { functionName: this.compactFunction.name, maximumRetryAttempts: 0 },
      parent,
    );
    // Scheduler assumes this role to invoke the target; the confused-deputy condition pins it to
    // this account. https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
    this.schedulerRole = new aws.iam.Role(
      `${name}-compact-scheduler-role`,
      {
        assumeRolePolicy: assumeRolePolicy([
          {
            ...servicePrincipal('scheduler.amazonaws.com'),
            Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
          },
        ]),
      },
      parent,
    );
    this.schedulerRolePolicy = new aws.iam.RolePolicy(
      `${name}-compact-scheduler-policy`,
      {
        role: this.schedulerRole.id,
        policy: policyDocument([
          {
            Sid: 'InvokeCompaction',
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: this.compactFunction.arn,
          },
        ]),
      },
      parent,
    );
    this.compactSchedule = new aws.scheduler.Schedule(
      `${name}-compact-schedule`,
      {
        description: 'ALT: compact closed hours and hours that received late files',
        scheduleExpression: COMPACTION_SCHEDULE,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: this.compactFunction.arn,
          roleArn: this.schedulerRole.arn,
          // The next run 15 minutes later picks up whatever this one left.
          retryPolicy: { maximumRetryAttempts: 0 },
        },
      },
      // Compaction writes rollups: the tables must exist (and the database answer) first.
      { parent: this, dependsOn: [this.migration, this.schedulerRolePolicy] },
    );
    this.registerOutputs({ functionName: this.function.name, dlqUrl: this.dlq.url });
  }
}
