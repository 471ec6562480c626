/**
 * The whole ALT stack from one typed config (DESIGN §9). `createStack` validates the config,
 * builds every component in dependency order and returns them with the outputs `index.ts` exports.
 */
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Aurora, DATABASE_NAME } from './components/aurora.ts';
import { BeaconCdn } from './components/beacon-cdn.ts';
import { Catalog } from './components/catalog.ts';
import { Collector } from './components/collector.ts';
import { Edge, ORIGIN_VERIFY_HEADER } from './components/edge.ts';
import { HitStream } from './components/hit-stream.ts';
import { Lake } from './components/lake.ts';
import { ManagedCertificate } from './components/managed-certificate.ts';
import { Monitoring } from './components/monitoring.ts';
import { Network } from './components/network.ts';
import { NetworkEdge } from './components/network-edge.ts';
import { SnowflakeIntegration } from './components/snowflake.ts';
import { Transformer } from './components/transformer.ts';
import { type StackConfig, validateConfig } from './config.ts';

/** The collector's public port: the one the load balancer's listener forwards to. */
export const COLLECTOR_PORT = 8080;
/**
 * The collector's private port (`ALT_PRIVATE_PORT`): `/healthz`, `/readyz`, `/metrics` for the
 * load balancer's health check and the CloudWatch agent. No listener forwards to it.
 */
export const COLLECTOR_PRIVATE_PORT = 9090;

export interface AltStack {
  config: StackConfig;
  network: Network;
  /** With `managedCertificate`: the renewer whose first run's ARN the listener serves. */
  certificate?: ManagedCertificate;
  /** The ALB (`loadBalancer: alb`) or the NLB (`nlb`) and what goes with it. */
  edge: Edge | NetworkEdge;
  /** Absent when the collector serves the beacon (`beaconCdn: false`). */
  beacon?: BeaconCdn;
  stream: HitStream;
  lake: Lake;
  aurora: Aurora;
  collector: Collector;
  transformer: Transformer;
  catalog: Catalog;
  snowflake?: SnowflakeIntegration;
  monitoring: Monitoring;
  outputs: Record<string, pulumi.Input<unknown>>;
}

export function createStack(raw: Record<string, unknown>): AltStack {
  const config = validateConfig(raw);
  const prefix = `alt-${config.environment}`;
  const artifact = (part: string) => path.join(config.artifactsDir, part);
  const accountId = aws.getCallerIdentityOutput().accountId;

  const network = new Network(prefix, {
    region: config.region,
    cidr: config.vpcCidr,
    availabilityZones: config.availabilityZones,
    singleAzEndpoints: config.singleAzEndpoints,
    interfaceEndpoints: config.interfaceEndpoints,
    publicWorkloads: config.collector.publicIp,
  });
  const stream = new HitStream(`${prefix}-hits`, {
    retentionHours: config.streamRetentionHours,
    mode: config.streamMode,
    shards: config.streamShards,
    shardLevelMetrics: config.streamShardMetrics,
  });
  const lake = new Lake(`${prefix}-lake`, {
    rawStandardDays: config.rawStandardDays,
    rawIaDays: config.rawIaDays,
    rawExpireDays: config.rawExpireDays,
    hitsStorage: config.hitsStorageClass,
    noncurrentVersionExpireDays: config.noncurrentVersionExpireDays,
    snowflakeSqsArn: config.snowflake?.sqsArn,
    // Prod data outlives the stack: `pulumi destroy` refuses while protected and never deletes them.
    retain: config.environment === 'prod',
  });
  const certificate = config.managedCertificate
    ? new ManagedCertificate(`${prefix}-certificate`, {
        ...config.managedCertificate,
        region: config.region,
        accountId,
        bundleDir: artifact('certificate-renewer'),
        architecture: config.transformer.architecture,
        logRetentionDays: config.logRetentionDays,
      })
    : undefined;
  // validateConfig allows exactly one of the two.
  const certificateArn = certificate?.certificateArn ?? (config.certificateArn as string);
  const edge =
    config.loadBalancer === 'nlb'
      ? new NetworkEdge(`${prefix}-edge`, {
          vpcId: network.vpc.id,
          publicSubnetIds: network.publicSubnetIds,
          certificateArn,
          sslPolicy: config.sslPolicy,
          collectorPort: COLLECTOR_PORT,
          privatePort: COLLECTOR_PRIVATE_PORT,
        })
      : new Edge(`${prefix}-edge`, {
          vpcId: network.vpc.id,
          publicSubnetIds: network.publicSubnetIds,
          certificateArn,
          sslPolicy: config.sslPolicy,
          wafRateLimitPer5Min: config.wafRateLimitPer5Min,
          waf: config.waf,
          collectorPort: COLLECTOR_PORT,
          privatePort: COLLECTOR_PRIVATE_PORT,
          behindCdn: config.routeApiThroughCdn,
          originVerifySecret: config.originVerifySecret,
        });
  const webAcl = edge instanceof Edge ? edge.webAcl : undefined;
  const beacon = config.beaconCdn
    ? new BeaconCdn(`${prefix}-beacon`, {
        beaconDir: artifact('beacon'),
        priceClass: config.cdnPriceClass,
        domainName: config.cdnDomainName,
        certificateArn: config.cdnCertificateArn,
        apiOriginDomain: config.routeApiThroughCdn ? config.apiDomainName : undefined,
        originVerifyHeader: config.originVerifySecret
          ? { name: ORIGIN_VERIFY_HEADER, value: config.originVerifySecret }
          : undefined,
        // Behind CloudFront the web ACL is the distribution's (CLOUDFRONT scope), where the source
        // address is the viewer's; the ALB takes only CloudFront's connections.
        webAclArn: config.routeApiThroughCdn ? webAcl?.arn : undefined,
      })
    : undefined;
  const aurora = new Aurora(`${prefix}-db`, {
    vpcId: network.vpc.id,
    privateSubnetIds: network.privateSubnetIds,
    clientSecurityGroupIds: [network.collectorSecurityGroup.id, network.transformerSecurityGroup.id],
    ...config.aurora,
  });
  const database = aurora.ref;
  // A public collector needs no endpoint; a private one in dev stays in the AZ that has them (no
  // cross-AZ charges).
  const collectorSubnets = config.collector.publicIp
    ? network.publicSubnetIds
    : config.singleAzEndpoints
      ? network.privateSubnetIds.apply((ids) => ids.slice(0, 1))
      : network.privateSubnetIds;
  const collector = new Collector(`${prefix}-collector`, {
    region: config.region,
    accountId,
    groupName: `${prefix}-collector`,
    bundleDir: artifact('collector'),
    beaconDir: config.beaconCdn ? undefined : artifact('beacon'),
    ...config.collector,
    subnetIds: collectorSubnets,
    securityGroupId: network.collectorSecurityGroup.id,
    loadBalancer:
      edge.kind === 'alb'
        ? {
            kind: 'alb',
            securityGroupId: edge.securityGroup.id,
            requestCountLabel: pulumi.interpolate`${edge.loadBalancer.arnSuffix}/${edge.targetGroup.arnSuffix}`,
          }
        : { kind: 'nlb', securityGroupId: edge.securityGroup.id },
    targetGroupArn: edge.targetGroup.arn,
    stream: { name: stream.streamName, arn: stream.streamArn, keyArn: stream.key.arn },
    lakeBucketName: lake.bucketName,
    database,
    logRetentionDays: config.logRetentionDays,
    port: COLLECTOR_PORT,
    privatePort: COLLECTOR_PRIVATE_PORT,
    // X-Forwarded-For entries appended by proxies we run: the ALB's, and CloudFront's before it.
    // An NLB appends none: the connection itself carries the client's address.
    trustProxyHops: edge.kind === 'nlb' ? 0 : config.routeApiThroughCdn ? 2 : 1,
  });
  const transformer = new Transformer(`${prefix}-transformer`, {
    ...config.transformer,
    bundleDir: artifact('transformer'),
    migrateBundleDir: artifact('migrate'),
    compactBundleDir: artifact('compact'),
    databaseInstances: aurora.instances,
    accountId,
    privateSubnetIds: network.privateSubnetIds,
    securityGroupId: network.transformerSecurityGroup.id,
    stream: { arn: stream.streamArn, keyArn: stream.key.arn },
    lake: { bucketName: lake.bucketName, bucketArn: lake.bucketArn, keyArn: lake.keyArn },
    database,
    logRetentionDays: config.logRetentionDays,
  });
  const catalog = new Catalog(`${prefix}-catalog`, {
    databaseName: `alt_${config.environment}`,
    lakeBucketName: lake.bucketName,
    lakeKeyArn: lake.keyArn,
    bytesScannedCutoff: config.athenaBytesScannedCutoff,
  });
  const snowflake = config.snowflake
    ? new SnowflakeIntegration(`${prefix}-snowflake`, {
        accountId,
        ...config.snowflake,
        lakeBucketName: lake.bucketName,
        lakeBucketArn: lake.bucketArn,
        lakeKeyArn: lake.keyArn,
      })
    : undefined;
  const monitoring = new Monitoring(`${prefix}-monitoring`, {
    region: config.region,
    accountId,
    streamName: stream.streamName,
    loadBalancer: {
      kind: edge.kind,
      arnSuffix: edge.loadBalancer.arnSuffix,
      targetGroupArnSuffix: edge.targetGroup.arnSuffix,
    },
    collectorGroupName: collector.group.name,
    transformerFunctionName: transformer.function.name,
    compactFunctionName: transformer.compactFunction.name,
    dlqName: transformer.dlq.name,
    auroraClusterId: aurora.cluster.clusterIdentifier,
    certificateRenewerFunctionName: certificate?.function.name,
    alarmEmail: config.alarmEmail,
  });

  const collectorHost = pulumi.output(config.apiDomainName ?? edge.dnsName);
  const beaconHost = beacon ? pulumi.output(config.cdnDomainName ?? beacon.domainName) : collectorHost;
  const outputs: Record<string, pulumi.Input<unknown>> = {
    // Through the CDN the ALB takes only CloudFront's connections: sites send hits to the CDN host.
    collectorUrl: pulumi.interpolate`https://${config.routeApiThroughCdn ? beaconHost : collectorHost}`,
    loadBalancerDnsName: edge.dnsName,
    beaconUrl: pulumi.interpolate`https://${beaconHost}/b.js`,
    cdnDomainName: beacon?.domainName ?? 'no beacon CDN (beaconCdn: false): the collector serves the beacon',
    streamName: stream.streamName,
    lakeBucket: lake.bucketName,
    athenaWorkgroup: catalog.workgroup.name,
    glueDatabase: catalog.database.name,
    auroraEndpoint: aurora.endpoint,
    auroraSecretArn: aurora.secretArn,
    // `alt console --stack` reads these (cli/commands/console.ts).
    auroraClusterArn: aurora.cluster.arn,
    auroraDatabase: DATABASE_NAME,
    collectorGroupName: collector.group.name,
    consolePolicyArn: aurora.consolePolicy.arn,
    region: config.region,
    transformerFunction: transformer.function.name,
    compactFunction: transformer.compactFunction.name,
    dlqUrl: transformer.dlq.url,
    alarmTopicArn: monitoring.topic.arn,
    dashboardName: monitoring.dashboard.dashboardName,
    certificateArn,
    certificateRenewerFunction: certificate?.function.name ?? 'no managed certificate (certificateArn)',
    snowflakeRoleArn: snowflake?.role.arn ?? 'snowflake not configured',
    snowflakeSql: snowflake?.sql ?? 'snowflake not configured',
  };
  return {
    config,
    network,
    certificate,
    edge,
    beacon,
    stream,
    lake,
    aurora,
    collector,
    transformer,
    catalog,
    snowflake,
    monitoring,
    outputs,
  };
}
