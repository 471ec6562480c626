/**
 * Aurora PostgreSQL Serverless v2 (DESIGN §7): private subnets only, encrypted storage, master
 * password generated and rotated by RDS in Secrets Manager (never in config or state), reachable
 * only from the collector and transformer security groups. Migrations are applied on deploy by the
 * one-shot migration Lambda (see Transformer), the only user of the master secret; the collector and
 * the transformer log in as their own least-privilege roles (migration 0003) with IAM tokens.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type DatabaseRef, policyDocument } from './iam.ts';

export interface AuroraArgs {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  clientSecurityGroupIds: pulumi.Input<string>[];
  engineVersion: string;
  minCapacity: number;
  maxCapacity: number;
  instances: number;
  deletionProtection: boolean;
  backupRetentionDays: number;
  /**
   * Readers in promotion tier 0–1 scale with the writer (a failover finds them warm); in tier 2+
   * they scale on their own load from `minCapacity`.
   * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html
   */
  readersFollowWriter?: boolean;
}

export const DATABASE_NAME = 'alt';
export const DATABASE_PORT = 5432;

export class Aurora extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly ingressRules: aws.vpc.SecurityGroupIngressRule[];
  readonly subnetGroup: aws.rds.SubnetGroup;
  readonly cluster: aws.rds.Cluster;
  readonly instances: aws.rds.ClusterInstance[];
  readonly endpoint: pulumi.Output<string>;
  readonly secretArn: pulumi.Output<string>;
  /** What `alt console --stack` needs (docs/operations.md#console-against-a-stack): an operator attaches it. */
  readonly consolePolicy: aws.iam.Policy;
  /** Endpoint, master secret and the ids IAM database auth needs, for the components that connect. */
  readonly ref: DatabaseRef;

  constructor(name: string, args: AuroraArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:db:Aurora', name, {}, opts);
    const parent = { parent: this };
    this.key = new aws.kms.Key(
      `${name}-key`,
      { description: 'ALT Aurora storage encryption', enableKeyRotation: true, deletionWindowInDays: 30 },
      parent,
    );
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-db`,
      { vpcId: args.vpcId, description: 'PostgreSQL from the ALT collector and transformer only' },
      parent,
    );
    this.ingressRules = args.clientSecurityGroupIds.map(
      (sg, i) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-db-from-${i}`,
          {
            securityGroupId: this.securityGroup.id,
            referencedSecurityGroupId: sg,
            ipProtocol: 'tcp',
            fromPort: DATABASE_PORT,
            toPort: DATABASE_PORT,
          },
          parent,
        ),
    );
    this.subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.privateSubnetIds },
      parent,
    );
    const prodLike = args.deletionProtection;
    this.cluster = new aws.rds.Cluster(
      `${name}-cluster`,
      {
        engine: 'aurora-postgresql',
        engineMode: 'provisioned',
        engineVersion: args.engineVersion,
        databaseName: DATABASE_NAME,
        masterUsername: 'alt_admin',
        manageMasterUserPassword: true,
        // Components log in with IAM tokens as their own roles, not with the master secret
        // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html).
        iamDatabaseAuthenticationEnabled: true,
        // The RDS Data API (SQL over HTTPS, IAM-authorised) for `alt console --stack` from an
        // operator's machine: Aurora PostgreSQL Serverless v2 has it from 13.11, 14.8, 15.3, 16.1,
        // 17.4 (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).
        enableHttpEndpoint: true,
        storageEncrypted: true,
        kmsKeyId: this.key.arn,
        dbSubnetGroupName: this.subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        port: DATABASE_PORT,
        serverlessv2ScalingConfiguration: {
          minCapacity: args.minCapacity,
          maxCapacity: args.maxCapacity,
          // Scaling to 0 ACU pauses the database (needs a recent minor version, see DESIGN §12).
          ...(args.minCapacity === 0 ? { secondsUntilAutoPause: 900 } : {}),
        },
        deletionProtection: args.deletionProtection,
        backupRetentionPeriod: args.backupRetentionDays,
        preferredBackupWindow: '03:00-04:00',
        copyTagsToSnapshot: true,
        skipFinalSnapshot: !prodLike,
        finalSnapshotIdentifier: prodLike ? `${name}-final` : undefined,
        enabledCloudwatchLogsExports: ['postgresql'],
      },
      { parent: this, protect: prodLike },
    );
    this.instances = Array.from(
      { length: args.instances },
      (_, i) =>
        new aws.rds.ClusterInstance(
          `${name}-instance-${i}`,
          {
            clusterIdentifier: this.cluster.id,
            instanceClass: 'db.serverless',
            engine: 'aurora-postgresql',
            engineVersion: this.cluster.engineVersion,
            dbSubnetGroupName: this.subnetGroup.name,
            publiclyAccessible: false,
            // Instance 0 is the writer; the reader is promoted on failover.
            promotionTier: i === 0 || args.readersFollowWriter !== false ? i : i + 1,
          },
          parent,
        ),
    );
    // The cluster endpoint resolves as soon as the cluster exists, but nothing answers on it until
    // a writer instance is up (5–10 min for Serverless v2). Handing the endpoint out through the
    // instances makes everything that connects (the Lambdas, the migration run, the collector's
    // launch template and ASG) wait for them, not just for the cluster.
    this.endpoint = pulumi
      .all([this.cluster.endpoint, ...this.instances.map((i) => i.id)])
      .apply(([endpoint]) => endpoint);
    this.secretArn = this.cluster.masterUserSecrets.apply((s) => s?.[0]?.secretArn ?? '');
    // The console creates apps and rotates their keys, so it logs in with the master secret:
    // operator-level access, granted by attaching this policy to an operator's user or role
    // (minimum Data API permissions:
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html).
    this.consolePolicy = new aws.iam.Policy(
      `${name}-console-operator`,
      {
        description: 'alt console --stack: the Data API on this cluster with its master secret, and metrics',
        policy: policyDocument([
          {
            Sid: 'ConsoleDataApi',
            Effect: 'Allow',
            Action: [
              'rds-data:ExecuteStatement',
              'rds-data:BatchExecuteStatement',
              'rds-data:BeginTransaction',
              'rds-data:CommitTransaction',
              'rds-data:RollbackTransaction',
            ],
            Resource: this.cluster.arn,
          },
          {
            Sid: 'ConsoleDatabaseSecret',
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: this.secretArn,
          },
          { Sid: 'ConsoleMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
        ]),
      },
      parent,
    );
    this.ref = {
      host: this.endpoint,
      secretArn: this.secretArn,
      clusterArn: this.cluster.arn,
      clusterResourceId: this.cluster.clusterResourceId,
    };
    this.registerOutputs({
      endpoint: this.endpoint,
      secretArn: this.secretArn,
      consolePolicyArn: this.consolePolicy.arn,
    });
  }
}
