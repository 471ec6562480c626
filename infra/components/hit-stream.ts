/**
 * Kinesis stream for hits, encrypted with its own KMS key (DESIGN §2): on-demand, or provisioned
 * with a shard count sized from the expected rate (`alt:preset`, infra/presets.ts).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface HitStreamArgs {
  retentionHours: number;
  mode: 'on-demand' | 'provisioned';
  /** Provisioned only. */
  shards?: number;
  /** Enhanced shard-level metrics (billed per shard and metric as custom metrics). */
  shardLevelMetrics: boolean;
}

/** The enhanced metrics the dashboard charts per shard when `shardLevelMetrics` is on. */
export const SHARD_LEVEL_METRICS = [
  'IncomingRecords',
  'WriteProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
];

export class HitStream extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly stream: aws.kinesis.Stream;
  readonly streamName: pulumi.Output<string>;
  readonly streamArn: pulumi.Output<string>;

  constructor(name: string, args: HitStreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:stream:HitStream', name, {}, opts);
    this.key = new aws.kms.Key(
      `${name}-key`,
      { description: 'ALT hit stream encryption', enableKeyRotation: true, deletionWindowInDays: 30 },
      { parent: this },
    );
    this.stream = new aws.kinesis.Stream(
      name,
      {
        // On-demand: no shard arithmetic; scales to 200 MB/s writes per stream by default.
        // Provisioned: cheaper at a known rate; the write-throttle alarm says when it is too small.
        ...(args.mode === 'provisioned'
          ? { streamModeDetails: { streamMode: 'PROVISIONED' }, shardCount: args.shards }
          : { streamModeDetails: { streamMode: 'ON_DEMAND' } }),
        retentionPeriod: args.retentionHours,
        encryptionType: 'KMS',
        kmsKeyId: this.key.arn,
        shardLevelMetrics: args.shardLevelMetrics ? SHARD_LEVEL_METRICS : [],
      },
      { parent: this },
    );
    this.streamName = this.stream.name;
    this.streamArn = this.stream.arn;
    this.registerOutputs({ streamName: this.streamName, streamArn: this.streamArn });
  }
}
