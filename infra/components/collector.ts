/**
 * The collector fleet: a launch template (IMDSv2 only, encrypted root and spool volumes), an
 * instance role that may only put records on the hit stream, emit its own metrics and logs, read
 * its artifact, log in to Aurora as `alt_collector` (IAM auth), and complete its own lifecycle action; an ASG across the
 * private subnets (or, with `publicIp`, the public ones, each instance with a public IPv4 address
 * and still reachable only from the load balancer's security group, on the public port and the
 * private port its health check uses) behind the load balancer's target group, with a termination
 * lifecycle hook for draining and, when configured, target tracking on the request rate per
 * instance: ALBRequestCountPerTarget behind the ALB, the collector's own request count divided by
 * the in-service instances behind an NLB. Without a beacon CDN the beacon files ship beside the bundle.
 */
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { COLLECTOR_METRICS, COLLECTOR_METRICS_NAMESPACE } from '../../collector/metric-names.ts';
import { COLLECTOR_ROOT_GIB } from '../../lib/cost/presets.ts';
import { COMPONENT_ROLES } from '../../schemas/ddl/aurora.ts';
import type { CollectorConfig } from '../config.ts';
import { collectorUserData } from './collector-user-data.ts';
import {
  assumeRolePolicy,
  type DatabaseRef,
  databaseAccessStatement,
  logStatement,
  policyDocument,
  servicePrincipal,
} from './iam.ts';
import { createPrivateBucket, type PrivateBucket } from './private-bucket.ts';

/** The fleet's size and shape come from the stack config (`alt:collector`); the rest is wiring. */
export interface CollectorArgs extends CollectorConfig {
  region: string;
  accountId: pulumi.Input<string>;
  /** Fixed ASG name: the boot script needs it to complete its lifecycle action. */
  groupName: string;
  bundleDir: string;
  /** The built beacon, when the collector serves it (no beacon CDN). */
  beaconDir?: string;
  /** Private subnets, or public ones when `publicIp`. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  securityGroupId: pulumi.Input<string>;
  /** What the collectors sit behind; only its security group may connect to them. */
  loadBalancer:
    | {
        kind: 'alb';
        securityGroupId: pulumi.Input<string>;
        /** `<alb arn suffix>/<target group arn suffix>` for ALBRequestCountPerTarget. */
        requestCountLabel: pulumi.Input<string>;
      }
    | { kind: 'nlb'; securityGroupId: pulumi.Input<string> };
  targetGroupArn: pulumi.Input<string>;
  stream: { name: pulumi.Input<string>; arn: pulumi.Input<string>; keyArn: pulumi.Input<string> };
  lakeBucketName: pulumi.Input<string>;
  database: Pick<DatabaseRef, 'host' | 'clusterArn' | 'clusterResourceId'>;
  logRetentionDays: number;
  /** The public port (the target group's). */
  port: number;
  /** `/healthz`, `/readyz`, `/metrics`: the health check's port, forwarded by no listener. */
  privatePort: number;
  trustProxyHops: number;
}

/**
 * The scaling metric behind an NLB: requests a minute per in-service collector, from the request
 * count the CloudWatch agent ships (a delta a minute per instance, summed over the group) and the
 * group's own GroupInServiceInstances (enabled on the group). Target tracking takes a metric math
 * expression that returns one series.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-target-tracking-metric-math.html
 */
export function requestsPerInstanceMetric(
  groupName: pulumi.Input<string>,
): aws.types.input.autoscaling.PolicyTargetTrackingConfigurationCustomizedMetricSpecification {
  const group = [{ name: 'AutoScalingGroupName', value: groupName }];
  return {
    metrics: [
      {
        id: 'requests',
        label: 'requests answered by the group (a minute)',
        metricStat: {
          metric: {
            namespace: COLLECTOR_METRICS_NAMESPACE,
            metricName: COLLECTOR_METRICS.requests,
            dimensions: group,
          },
          stat: 'Sum',
          period: 60,
        },
        returnData: false,
      },
      {
        id: 'instances',
        label: 'in-service collectors',
        metricStat: {
          metric: { namespace: 'AWS/AutoScaling', metricName: 'GroupInServiceInstances', dimensions: group },
          stat: 'Average',
          period: 60,
        },
        returnData: false,
      },
      {
        id: 'perInstance',
        label: 'requests a minute per in-service collector',
        expression: 'requests / instances',
        returnData: true,
      },
    ],
  };
}

export { COLLECTOR_METRICS_NAMESPACE };
export const LIFECYCLE_HOOK_NAME = 'drain';

export class Collector extends pulumi.ComponentResource {
  readonly artifacts: PrivateBucket;
  readonly artifact: aws.s3.BucketObjectv2;
  readonly beaconArtifact?: aws.s3.BucketObjectv2;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  readonly rolePolicy: aws.iam.RolePolicy;
  readonly instanceProfile: aws.iam.InstanceProfile;
  /** The load balancer to the public port (named `-from-alb` behind the ALB, as before the NLB). */
  readonly ingressFromLoadBalancer: aws.vpc.SecurityGroupIngressRule;
  /** The load balancer's health check to the private port. */
  readonly healthCheckFromLoadBalancer: aws.vpc.SecurityGroupIngressRule;
  readonly launchTemplate: aws.ec2.LaunchTemplate;
  readonly group: aws.autoscaling.Group;
  readonly scalingPolicy?: aws.autoscaling.Policy;
  readonly groupNameOutput: pulumi.Output<string>;

  constructor(name: string, args: CollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:ingest:Collector', name, {}, opts);
    const parent = { parent: this };
    this.artifacts = createPrivateBucket(`${name}-artifacts`, { versioning: true }, this);
    const artifactKey = 'collector/bundle.zip';
    this.artifact = new aws.s3.BucketObjectv2(
      `${name}-bundle`,
      {
        bucket: this.artifacts.bucket.id,
        key: artifactKey,
        source: new pulumi.asset.FileArchive(path.resolve(args.bundleDir)),
      },
      parent,
    );
    const beaconKey = args.beaconDir ? 'collector/beacon.zip' : undefined;
    if (args.beaconDir && beaconKey)
      this.beaconArtifact = new aws.s3.BucketObjectv2(
        `${name}-beacon`,
        {
          bucket: this.artifacts.bucket.id,
          key: beaconKey,
          source: new pulumi.asset.FileArchive(path.resolve(args.beaconDir)),
        },
        parent,
      );
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays },
      parent,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: assumeRolePolicy([servicePrincipal('ec2.amazonaws.com')]) },
      parent,
    );
    const groupArn = pulumi.interpolate`arn:aws:autoscaling:${args.region}:${args.accountId}:autoScalingGroup:*:autoScalingGroupName/${args.groupName}`;
    this.rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          {
            Sid: 'PutHits',
            Effect: 'Allow',
            Action: ['kinesis:PutRecords', 'kinesis:PutRecord', 'kinesis:DescribeStreamSummary'],
            Resource: args.stream.arn,
          },
          // Writing to a stream encrypted with a customer key needs a data key from that key.
          { Sid: 'StreamKey', Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: args.stream.keyArn },
          {
            Sid: 'OwnMetrics',
            Effect: 'Allow',
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': COLLECTOR_METRICS_NAMESPACE } },
          },
          logStatement(this.logGroup.arn),
          {
            Sid: 'ReadArtifact',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: beaconKey
              ? [
                  pulumi.interpolate`${this.artifacts.bucket.arn}/${artifactKey}`,
                  pulumi.interpolate`${this.artifacts.bucket.arn}/${beaconKey}`,
                ]
              : pulumi.interpolate`${this.artifacts.bucket.arn}/${artifactKey}`,
          },
          // Its own database role only; the master secret is the migration's.
          databaseAccessStatement(args.database, COMPONENT_ROLES.collector),
          {
            Sid: 'DrainSelf',
            Effect: 'Allow',
            Action: 'autoscaling:CompleteLifecycleAction',
            Resource: groupArn,
          },
        ]),
      },
      parent,
    );
    this.instanceProfile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name }, parent);
    // Only the load balancer's group, on the two ports it uses. Behind an NLB the connections carry
    // the clients' addresses (client IP preservation) and are still admitted by this reference.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
    const lb = args.loadBalancer;
    const fromLoadBalancer = (id: string, port: number) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${id}`,
        {
          securityGroupId: args.securityGroupId,
          referencedSecurityGroupId: lb.securityGroupId,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
        },
        parent,
      );
    this.ingressFromLoadBalancer = fromLoadBalancer(`from-${lb.kind}`, args.port);
    this.healthCheckFromLoadBalancer = fromLoadBalancer(`health-from-${lb.kind}`, args.privatePort);
    const amiArch = args.architecture === 'arm64' ? 'arm64' : 'x86_64';
    const userData = pulumi
      .all([
        args.stream.name,
        args.lakeBucketName,
        args.database.host,
        this.artifacts.bucket.bucket,
        this.logGroup.name,
        this.artifact.etag,
        this.beaconArtifact?.etag ?? '',
      ])
      .apply(([streamName, lakeBucket, databaseHost, artifactBucket, logGroupName, etag, beaconEtag]) =>
        Buffer.from(
          // The artifact's ETag in the script makes a new bundle a new template version → instance refresh.
          `${collectorUserData({
            region: args.region,
            artifactBucket,
            artifactKey,
            streamName,
            lakeBucket,
            databaseHost,
            databaseUser: COMPONENT_ROLES.collector,
            asgName: args.groupName,
            trustProxyHops: args.trustProxyHops,
            lifecycleHookName: LIFECYCLE_HOOK_NAME,
            port: args.port,
            privatePort: args.privatePort,
            loadBalancer: lb.kind,
            metricsNamespace: COLLECTOR_METRICS_NAMESPACE,
            logGroupName,
            spoolMaxBytes: Math.floor(args.spoolVolumeGiB * 1024 ** 3 * 0.8),
            beaconKey,
          })}# bundle ${etag}\n${beaconEtag ? `# beacon ${beaconEtag}\n` : ''}`,
        ).toString('base64'),
      );
    this.launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        // Resolved by EC2 at launch: always the current Amazon Linux 2023 for the architecture.
        imageId: `resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${amiArch}`,
        instanceType: args.instanceType,
        iamInstanceProfile: { arn: this.instanceProfile.arn },
        // The subnets give no public address by default; a public collector asks for one here.
        ...(args.publicIp
          ? {
              networkInterfaces: [
                {
                  deviceIndex: 0,
                  associatePublicIpAddress: 'true',
                  deleteOnTermination: 'true',
                  securityGroups: [args.securityGroupId],
                },
              ],
            }
          : { vpcSecurityGroupIds: [args.securityGroupId] }),
        metadataOptions: {
          httpEndpoint: 'enabled',
          httpTokens: 'required',
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: 'disabled',
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            ebs: {
              volumeSize: COLLECTOR_ROOT_GIB,
              volumeType: 'gp3',
              encrypted: 'true',
              deleteOnTermination: 'true',
            },
          },
          {
            deviceName: '/dev/sdf',
            ebs: {
              volumeSize: args.spoolVolumeGiB,
              volumeType: 'gp3',
              encrypted: 'true',
              deleteOnTermination: 'true',
            },
          },
        ],
        monitoring: { enabled: true },
        userData,
        updateDefaultVersion: true,
      },
      parent,
    );
    this.group = new aws.autoscaling.Group(
      `${name}-asg`,
      {
        name: args.groupName,
        vpcZoneIdentifiers: args.subnetIds,
        minSize: args.minSize,
        maxSize: args.maxSize,
        desiredCapacity: args.desiredCapacity,
        launchTemplate: {
          id: this.launchTemplate.id,
          version: pulumi.interpolate`${this.launchTemplate.latestVersion}`,
        },
        targetGroupArns: [args.targetGroupArn],
        healthCheckType: 'ELB',
        healthCheckGracePeriod: 180,
        defaultInstanceWarmup: 120,
        // Hook in the group itself so the very first instances are drained too.
        initialLifecycleHooks: [
          {
            name: LIFECYCLE_HOOK_NAME,
            lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
            heartbeatTimeout: 300,
            defaultResult: 'CONTINUE',
          },
        ],
        instanceRefresh: {
          strategy: 'Rolling',
          preferences: { minHealthyPercentage: 50, instanceWarmup: '120' },
        },
        enabledMetrics: ['GroupInServiceInstances', 'GroupDesiredCapacity', 'GroupTerminatingInstances'],
        tags: [{ key: 'Name', value: args.groupName, propagateAtLaunch: true }],
      },
      parent,
    );
    if (args.targetRequestsPerInstance > 0) {
      this.scalingPolicy = new aws.autoscaling.Policy(
        `${name}-requests`,
        {
          autoscalingGroupName: this.group.name,
          policyType: 'TargetTrackingScaling',
          targetTrackingConfiguration: {
            // Requests a minute per instance, either way.
            targetValue: args.targetRequestsPerInstance,
            ...(lb.kind === 'alb'
              ? {
                  predefinedMetricSpecification: {
                    predefinedMetricType: 'ALBRequestCountPerTarget',
                    resourceLabel: lb.requestCountLabel,
                  },
                }
              : { customizedMetricSpecification: requestsPerInstanceMetric(this.group.name) }),
          },
        },
        parent,
      );
    }
    this.groupNameOutput = this.group.name;
    this.registerOutputs({ groupName: this.groupNameOutput, artifactBucket: this.artifacts.bucket.bucket });
  }
}
