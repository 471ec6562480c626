/**
 * Glue database and table over `s3://<lake>/hits/` with partition projection (no crawler, no
 * MSCK REPAIR), all derived from `schemas/` — the same columns and projection parameters as the
 * generated Athena DDL — and an Athena workgroup that enforces an encrypted result location and a
 * per-query bytes-scanned cutoff. Named queries: the analyst queries of docs/analysts-athena.md
 * and the data-quality checks from `schemas/`.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  ATHENA_TYPE,
  DEFAULT_QUALITY_DAYS,
  LAKE_COLUMNS,
  PARTITION_COLUMNS,
  projectionParameters,
  projectionYears,
  qualityQueries,
} from '../../schemas/index.ts';
import { loadAnalystQueries } from './analyst-queries.ts';
import { createPrivateBucket, type PrivateBucket } from './private-bucket.ts';

export interface CatalogArgs {
  databaseName: string;
  lakeBucketName: pulumi.Input<string>;
  lakeKeyArn: pulumi.Input<string>;
  bytesScannedCutoff: number;
  /** First year the partition projection covers (default LAKE_FIRST_YEAR); it ends next year. */
  firstYear?: number;
  /** Days each saved data-quality query looks back from the day it runs (default 7). */
  qualityDays?: number;
}

export const HITS_TABLE = 'hits';

export class Catalog extends pulumi.ComponentResource {
  readonly results: PrivateBucket;
  readonly resultsExpiry: aws.s3.BucketLifecycleConfiguration;
  readonly database: aws.glue.CatalogDatabase;
  readonly table: aws.glue.CatalogTable;
  readonly workgroup: aws.athena.Workgroup;
  readonly namedQueries: aws.athena.NamedQuery[];

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:catalog:Catalog', name, {}, opts);
    const parent = { parent: this };
    this.results = createPrivateBucket(
      `${name}-results`,
      { kmsKeyArn: args.lakeKeyArn, versioning: false },
      this,
    );
    this.resultsExpiry = new aws.s3.BucketLifecycleConfiguration(
      `${name}-results-expiry`,
      {
        bucket: this.results.bucket.id,
        rules: [
          {
            id: 'expire-results',
            status: 'Enabled',
            filter: {},
            expiration: { days: 30 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      parent,
    );
    this.database = new aws.glue.CatalogDatabase(
      `${name}-db`,
      { name: args.databaseName, description: 'ALT lake' },
      parent,
    );
    const lakeLocation = pulumi.interpolate`s3://${args.lakeBucketName}/`;
    this.table = new aws.glue.CatalogTable(
      `${name}-hits`,
      {
        databaseName: this.database.name,
        name: HITS_TABLE,
        tableType: 'EXTERNAL_TABLE',
        // The projected years are rendered at deploy time, first year to next year (projectionYears).
        parameters: lakeLocation.apply((loc) => ({
          EXTERNAL: 'TRUE',
          ...projectionParameters(loc, projectionYears(new Date(), args.firstYear)),
        })),
        partitionKeys: PARTITION_COLUMNS.map((p) => ({ name: p.name, type: 'int' })),
        storageDescriptor: {
          location: pulumi.interpolate`${lakeLocation}hits/`,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serDeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
          columns: LAKE_COLUMNS.map((c) => ({ name: c.name, type: ATHENA_TYPE[c.type], comment: c.doc })),
        },
      },
      parent,
    );
    this.workgroup = new aws.athena.Workgroup(
      `${name}-wg`,
      {
        state: 'ENABLED',
        forceDestroy: false,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: args.bytesScannedCutoff,
          engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${this.results.bucket.bucket}/results/`,
            encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: args.lakeKeyArn },
          },
        },
      },
      parent,
    );
    // Saved queries run in the Glue database, so the docs' unqualified `hits` resolves. The quality
    // checks are relative to current_date, so a query saved today still covers the last days when
    // it runs next year, and each reads only those days' partitions.
    const queries = [
      ...loadAnalystQueries(),
      ...qualityQueries(HITS_TABLE, { days: args.qualityDays ?? DEFAULT_QUALITY_DAYS }).map((q) => ({
        name: `quality_${q.name}`,
        description: q.description,
        sql: q.sql,
      })),
    ];
    this.namedQueries = queries.map(
      (q) =>
        new aws.athena.NamedQuery(
          `${name}-q-${q.name}`,
          {
            name: q.name,
            description: q.description,
            database: this.database.name,
            workgroup: this.workgroup.name,
            query: q.sql,
          },
          parent,
        ),
    );
    this.registerOutputs({ database: this.database.name, workgroup: this.workgroup.name });
  }
}
