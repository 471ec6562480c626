/**
 * The S3 lake: `raw/` (gz NDJSON, the source of truth for replays), `hits/` (Parquet, queried),
 * `bad/` (rejects). Raw data cools down to Standard-IA after `rawStandardDays` (when `rawIaDays` > 0)
 * and to Glacier Instant Retrieval after `rawIaDays` more — still readable in milliseconds, so
 * `alt replay --from raw` keeps working — and expires after `rawExpireDays`. With
 * `hitsStorage: 'intelligent-tiering'`, compacted `hits/` files move to Intelligent-Tiering. Once Snowflake's SQS queue is configured (second pass), `hits/` creations and
 * removals notify it so its external table auto-refreshes.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { createPrivateBucket, type PrivateBucket } from './private-bucket.ts';

export interface LakeArgs {
  rawStandardDays: number;
  rawIaDays: number;
  rawExpireDays: number;
  hitsStorage: 'standard' | 'intelligent-tiering';
  noncurrentVersionExpireDays: number;
  snowflakeSqsArn?: string;
  /**
   * Prod: `protect` (Pulumi refuses to delete or replace them) and `retainOnDelete` (a destroy or
   * a forced replacement leaves them in AWS) on the bucket and its key — the key, because losing it
   * makes every object unreadable.
   * https://www.pulumi.com/docs/iac/concepts/options/protect/
   * https://www.pulumi.com/docs/iac/concepts/options/retainondelete/
   */
  retain?: boolean;
}

export const LAKE_PREFIXES = { raw: 'raw/', hits: 'hits/', bad: 'bad/' } as const;

/**
 * Intelligent-Tiering does not monitor objects under 128 KB (they stay in its frequent tier), so
 * moving them would only cost a transition each; a day old, a batch file has been compacted away.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intelligent-tiering-overview.html
 */
export const HITS_TIERING = { days: 1, objectSizeGreaterThan: 128 * 1024 } as const;

/** raw/ transitions: Standard-IA after `standardDays` (when `iaDays` > 0), then Glacier IR. */
export function rawTransitions(standardDays: number, iaDays: number) {
  return iaDays > 0
    ? [
        { days: standardDays, storageClass: 'STANDARD_IA' },
        { days: standardDays + iaDays, storageClass: 'GLACIER_IR' },
      ]
    : [{ days: standardDays, storageClass: 'GLACIER_IR' }];
}

export class Lake extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly storage: PrivateBucket;
  readonly bucket: aws.s3.Bucket;
  readonly lifecycle: aws.s3.BucketLifecycleConfiguration;
  readonly notification?: aws.s3.BucketNotification;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly keyArn: pulumi.Output<string>;

  constructor(name: string, args: LakeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:lake:Lake', name, {}, opts);
    this.key = new aws.kms.Key(
      `${name}-key`,
      { description: 'ALT lake encryption', enableKeyRotation: true, deletionWindowInDays: 30 },
      { parent: this, protect: args.retain, retainOnDelete: args.retain },
    );
    this.storage = createPrivateBucket(
      name,
      { kmsKeyArn: this.key.arn, versioning: true, retain: args.retain },
      this,
    );
    this.bucket = this.storage.bucket;
    const expire = (days: number) => (days > 0 ? { expiration: { days } } : {});
    this.lifecycle = new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            id: 'raw-tiering',
            status: 'Enabled',
            filter: { prefix: LAKE_PREFIXES.raw },
            transitions: rawTransitions(args.rawStandardDays, args.rawIaDays),
            ...expire(args.rawExpireDays),
          },
          ...(args.hitsStorage === 'intelligent-tiering'
            ? [
                {
                  id: 'hits-tiering',
                  status: 'Enabled',
                  filter: {
                    and: {
                      prefix: LAKE_PREFIXES.hits,
                      objectSizeGreaterThan: HITS_TIERING.objectSizeGreaterThan,
                    },
                  },
                  transitions: [{ days: HITS_TIERING.days, storageClass: 'INTELLIGENT_TIERING' }],
                },
              ]
            : []),
          {
            id: 'bad-expiry',
            status: 'Enabled',
            filter: { prefix: LAKE_PREFIXES.bad },
            ...expire(args.rawExpireDays),
          },
          {
            // Retried batches overwrite their files (names come from sequence numbers), which leaves
            // noncurrent versions behind; compaction does the same.
            id: 'noncurrent-and-multipart',
            status: 'Enabled',
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpireDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this, dependsOn: this.storage.versioning ? [this.storage.versioning] : [] },
    );
    if (args.snowflakeSqsArn) {
      this.notification = new aws.s3.BucketNotification(
        `${name}-snowflake-events`,
        {
          bucket: this.bucket.id,
          queues: [
            {
              queueArn: args.snowflakeSqsArn,
              // Removed as well as created: compaction deletes an hour's batch files, and the
              // external table drops a file only when its queue hears of the removal.
              // https://docs.snowflake.com/en/user-guide/tables-external-s3 ("ObjectCreate (All)" and "ObjectRemoved")
              events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
              filterPrefix: LAKE_PREFIXES.hits,
            },
          ],
        },
        { parent: this },
      );
    }
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.keyArn = this.key.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, keyArn: this.keyArn });
  }
}
