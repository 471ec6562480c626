/** Kinesis on-demand stream for hits, encrypted with its own KMS key (DESIGN §2). */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface HitStreamArgs {
  retentionHours: number;
}

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
        streamModeDetails: { streamMode: 'ON_DEMAND' },
        retentionPeriod: args.retentionHours,
        encryptionType: 'KMS',
        kmsKeyId: this.key.arn,
        shardLevelMetrics: [
          'IncomingRecords',
          'WriteProvisionedThroughputExceeded',
          'IteratorAgeMilliseconds',
        ],
      },
      { parent: this },
    );
    this.streamName = this.stream.name;
    this.streamArn = this.stream.arn;
    this.registerOutputs({ streamName: this.streamName, streamArn: this.streamArn });
  }
}
