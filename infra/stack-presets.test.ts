/**
 * Each preset builds what `alt cost` prices, and prices what it builds (issue #21): the program
 * runs under the Pulumi mocks with `alt:preset`, and its billable resources are matched against
 * the cost model's line items for the same preset and traffic, in both directions — every priced
 * line has the resources behind it, in the counts and sizes priced, and every billable resource
 * type the stack creates is priced (or listed below with why it costs nothing at rest).
 */
import { rmSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Estimate, estimate, type LineItem } from '../lib/cost/model.ts';
import { PRESETS, type PresetName, type StackShape } from '../lib/cost/presets.ts';
import { ALB_IDLE_TIMEOUT_SECONDS } from './components/edge.ts';
import { runAllChecks } from './policies/checks.ts';
import type { PlannedResource } from './policies/resources.ts';
import { readStackConfig } from './read-config.ts';
import { createStack } from './stack.ts';
import {
  createPlaceholderArtifacts,
  installMocks,
  type MockRun,
  resolve,
  settle,
  stackTestConfig,
  TEST_ACCOUNT,
} from './testing/harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON; the assertions give them shape
type Inputs = Record<string, any>;
type Resource = PlannedResource & { inputs: Inputs };

/** Billable resource types → the price ids (by prefix) the model prices them under. */
const PRICED: Record<string, string[]> = {
  'aws:lb/loadBalancer:LoadBalancer': ['elb.'],
  'aws:wafv2/webAcl:WebAcl': ['waf.'],
  'aws:cloudfront/distribution:Distribution': ['cloudfront.'],
  'aws:autoscaling/group:Group': ['ec2.c', 'ec2.t', 'ec2.m', 'ebs.gp3'],
  'aws:kinesis/stream:Stream': ['kinesis.'],
  'aws:lambda/function:Function': ['lambda.'],
  'aws:s3/bucket:Bucket': ['s3.'],
  'aws:rds/clusterInstance:ClusterInstance': ['aurora.acu-hour'],
  'aws:rds/cluster:Cluster': ['aurora.storage', 'aurora.io', 'secrets.secret'],
  'aws:ec2/vpcEndpoint:VpcEndpoint': ['vpce.'],
  'aws:cloudwatch/metricAlarm:MetricAlarm': ['cloudwatch.alarm'],
  'aws:cloudwatch/dashboard:Dashboard': ['cloudwatch.dashboard'],
  'aws:cloudwatch/logGroup:LogGroup': ['cloudwatch.logs-'],
  'aws:kms/key:Key': ['kms.'],
  'aws:scheduler/schedule:Schedule': ['scheduler.'],
  'aws:athena/workgroup:Workgroup': ['athena.'],
};

/** Billed only by use that normal operation does not have (or under a free tier), so not priced. */
const UNPRICED: Record<string, string> = {
  'aws:sqs/queue:Queue': 'the DLQ holds messages only when a batch fails for good',
  'aws:sns/topic:Topic': 'alarm notifications: a few a month, inside the free 1,000 e-mails',
  'aws:lambda/invocation:Invocation': 'the migration runs once a deploy',
  'aws:glue/catalogTable:CatalogTable': 'one table: inside the Data Catalog’s free million objects',
  'aws:glue/catalogDatabase:CatalogDatabase': 'as the table',
  'aws:athena/namedQuery:NamedQuery': 'saved SQL; Athena bills the scans (priced)',
  'aws:s3/bucketObjectv2:BucketObjectv2': 'artifacts of a few MB in buckets priced by S3 lines',
};

/** Public IPv4 addresses are billed per hour; these are where the stack gets them. */
const IPV4 = 'vpc.public-ipv4';

/** Prices that follow the traffic, or the metrics the collector's agent and the transformer emit, rather than a resource. */
const TRAFFIC_PRICES = ['ec2.data-out', 'ec2.cross-az', IPV4, 'cloudwatch.metric'];

interface Case {
  preset: PresetName;
  /** The traffic the estimate is made for; `expectedHitsPerSecond` for the stream when sustained. */
  traffic: { pageviewsPerMonth: number } | { hitsPerSecond: number };
  /** Stack config over the preset (what a user sets: account values, AZ names, safety keys). */
  config: Record<string, unknown>;
}

const AZS = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const cert = `arn:aws:acm:eu-west-1:${TEST_ACCOUNT}:certificate/6a1f0e2d-3c4b-4a59-8e7d-1f2a3b4c5d6e`;

const CASES: Case[] = [
  {
    preset: 'small',
    traffic: { pageviewsPerMonth: 20e6 },
    config: {
      environment: 'dev',
      availabilityZones: AZS.slice(0, PRESETS.small.availabilityZones),
      certificateArn: cert,
      apiDomainName: 'collect.alt.test',
    },
  },
  {
    preset: 'scale',
    traffic: { hitsPerSecond: 5000 },
    config: {
      environment: 'prod',
      availabilityZones: AZS.slice(0, PRESETS.scale.availabilityZones),
      certificateArn: cert,
      apiDomainName: 'collect.alt.test',
      expectedHitsPerSecond: 5000,
      aurora: { deletionProtection: true, backupRetentionDays: 14, maxCapacity: 16 },
    },
  },
];

async function build(c: Case): Promise<{ run: MockRun; artifacts: string }> {
  const artifacts = createPlaceholderArtifacts();
  const config: Record<string, string> = { 'aws:region': 'eu-west-1', 'alt:artifactsDir': artifacts };
  for (const [k, v] of Object.entries({ preset: c.preset, ...c.config }))
    config[`alt:${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
  const run = await installMocks(`preset-${c.preset}`, 'eu-west-1');
  pulumi.runtime.setAllConfig(config);
  const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));
  await resolve(pulumi.all(stack.outputs));
  await settle();
  return { run, artifacts };
}

/** The prod stack file with `alt:preset: current`, as the other stack tests build it. */
async function buildCurrent(): Promise<{ run: MockRun; artifacts: string }> {
  const artifacts = createPlaceholderArtifacts();
  const yaml = stackTestConfig('prod');
  const run = await installMocks('preset-current', 'eu-west-1');
  pulumi.runtime.setAllConfig({ ...yaml, 'alt:artifactsDir': artifacts });
  const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));
  await resolve(pulumi.all(stack.outputs));
  await settle();
  return { run, artifacts };
}

const ALL_CASES: Case[] = [
  ...CASES,
  { preset: 'current', traffic: { pageviewsPerMonth: 20e6 }, config: {} },
  { preset: 'current', traffic: { hitsPerSecond: 5000 }, config: {} },
];

for (const c of ALL_CASES) {
  const traffic =
    'hitsPerSecond' in c.traffic
      ? `${c.traffic.hitsPerSecond} hits/s`
      : `${c.traffic.pageviewsPerMonth / 1e6} M pageviews`;
  describe(`preset ${c.preset} at ${traffic}`, () => {
    let run: MockRun;
    let artifacts: string;
    let e: Estimate;
    const shape = PRESETS[c.preset] as StackShape;
    beforeAll(async () => {
      ({ run, artifacts } = c.preset === 'current' ? await buildCurrent() : await build(c));
      e = estimate({ ...c.traffic, preset: c.preset, region: 'eu-west-1' });
    }, 60_000);
    afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

    const all = (type: string) => run.resources.filter((r) => r.type === type) as Resource[];
    const one = (type: string) => {
      const found = all(type);
      expect(found, type).toHaveLength(1);
      return found[0] as Resource;
    };
    const lines = (priceId: string | RegExp) =>
      e.items.filter((i) => (typeof priceId === 'string' ? i.priceId === priceId : priceId.test(i.priceId)));
    const line = (priceId: string, item?: RegExp): LineItem => {
      const found = lines(priceId).filter((i) => !item || item.test(i.item));
      expect(found, `${priceId} ${item ?? ''}`).toHaveLength(1);
      return found[0] as LineItem;
    };
    const hours = (i: LineItem) => i.quantity / 730;

    it('creates only resource types that are priced, or that cost nothing at rest', () => {
      const types = new Set(run.resources.map((r) => r.type).filter((t) => t.startsWith('aws:')));
      const pricedIds = new Set(e.items.map((i) => i.priceId as string));
      for (const type of types) {
        const prefixes = PRICED[type];
        if (prefixes)
          expect(
            [...pricedIds].some((id) => prefixes.some((p) => id.startsWith(p))),
            `${type} is created but no line prices it`,
          ).toBe(true);
      }
      // The reverse: every priced line has the resource type it stands for in the stack.
      for (const id of pricedIds) {
        if (TRAFFIC_PRICES.includes(id)) continue;
        const owner = Object.entries(PRICED).find(([, prefixes]) => prefixes.some((p) => id.startsWith(p)));
        expect(owner, `${id} has no resource type`).toBeDefined();
        expect(types.has(owner?.[0] as string), `${id} is priced but ${owner?.[0]} is not created`).toBe(
          true,
        );
      }
      // Everything else is free to hold (IAM, security groups, subnets, routes, policies, …) or listed.
      const free = [...types].filter((t) => !PRICED[t] && !UNPRICED[t]);
      for (const t of free)
        expect(t, `${t}: add it to PRICED or UNPRICED`).toMatch(
          /^aws:(iam|ec2\/(vpc|subnet|internetGateway|routeTable|routeTableAssociation|securityGroup|launchTemplate)|vpc\/securityGroup(In|E)gressRule|lb\/(targetGroup|listener|listenerRule)|wafv2\/webAclAssociation|s3\/bucket(PublicAccessBlock|ServerSideEncryptionConfiguration|Versioning|Policy|LifecycleConfiguration|Notification|OwnershipControls)|cloudfront\/(originAccessControl|cachePolicy|responseHeadersPolicy)|rds\/subnetGroup|kms\/alias|autoscaling\/policy|lambda\/(eventSourceMapping|functionEventInvokeConfig|permission)|sns\/topic(Subscription|Policy)|kinesis\/streamConsumer|cloudwatch\/logResourcePolicy|scheduler\/scheduleGroup)\b/,
        );
    });

    it('passes every policy check', () => {
      expect(runAllChecks(run.resources)).toEqual([]);
    });

    it('load balancer: the type, idle timeout and AZs priced; one public IPv4 address per AZ and per public collector', () => {
      const lb = one('aws:lb/loadBalancer:LoadBalancer').inputs;
      expect(lb.loadBalancerType).toBe(e.loadBalancer === 'alb' ? 'application' : 'network');
      expect(hours(line(e.loadBalancer === 'alb' ? 'elb.alb-hour' : 'elb.nlb-hour'))).toBeCloseTo(1, 9);
      expect(lb.idleTimeout).toBe(ALB_IDLE_TIMEOUT_SECONDS);
      expect(shape.idleTimeoutSeconds).toBe(lb.idleTimeout);
      const lt = one('aws:ec2/launchTemplate:LaunchTemplate').inputs;
      const publicCollector = lt.networkInterfaces?.[0]?.associatePublicIpAddress === 'true';
      const addresses = lb.subnets.length + (publicCollector ? e.traffic.collectors : 0);
      expect(lines(IPV4).reduce((s, i) => s + hours(i), 0)).toBeCloseTo(addresses, 9);
      expect(lb.subnets.length).toBe(shape.availabilityZones);
    });

    it('WAF: a web ACL exactly when WAF lines are priced', () => {
      const acls = all('aws:wafv2/webAcl:WebAcl');
      const priced = lines('waf.web-acl');
      expect(acls.length).toBe(priced.reduce((s, i) => s + i.quantity, 0));
      if (acls.length > 0) expect(line('waf.rule').quantity).toBe((acls[0] as Resource).inputs.rules.length);
    });

    it('CloudFront: a distribution only when priced; /v1/* through it exactly when ingest is priced there', () => {
      const dists = all('aws:cloudfront/distribution:Distribution');
      expect(dists.length > 0).toBe(lines(/^cloudfront\./).length > 0);
      const ingestViaCdn = dists.some((d) =>
        (d.inputs.orderedCacheBehaviors as Inputs[]).some((b) => b.pathPattern === '/v1/*'),
      );
      expect(ingestViaCdn).toBe(lines('cloudfront.data-to-origin').length > 0);
      // Without it, the handshakes are the load balancer's, paid as EC2 data transfer out.
      expect(lines('ec2.data-out').some((i) => /TLS handshakes/.test(i.item))).toBe(!ingestViaCdn);
    });

    it('beacon: served from where the model serves it, the hashed file cached a year as immutable', () => {
      const fromCollector = lines('ec2.data-out').some((i) =>
        /beacon script from the collector/.test(i.item),
      );
      const beaconObjects = all('aws:s3/bucketObjectv2:BucketObjectv2').filter((o) =>
        /\/?b\.[0-9a-zA-Z_-]+\.js$/.test(o.inputs.key),
      );
      if (fromCollector) {
        expect(all('aws:cloudfront/distribution:Distribution')).toHaveLength(0);
        const lt = one('aws:ec2/launchTemplate:LaunchTemplate').inputs;
        const script = Buffer.from(lt.userData, 'base64').toString('utf8');
        expect(script).toMatch(/unzip -oq \/tmp\/beacon\.zip -d \/opt\/alt\/beacon\/dist/);
        expect(all('aws:s3/bucketObjectv2:BucketObjectv2').map((o) => o.inputs.key)).toContain(
          'collector/beacon.zip',
        );
      } else {
        expect(beaconObjects.length).toBeGreaterThan(0);
        for (const o of beaconObjects)
          expect(o.inputs.cacheControl).toBe('public, max-age=31536000, immutable');
      }
    });

    it('collectors: the instance type, volumes and scaling target priced, in the subnets priced', () => {
      const lt = one('aws:ec2/launchTemplate:LaunchTemplate').inputs;
      const asg = one('aws:autoscaling/group:Group').inputs;
      const compute = line(`ec2.${lt.instanceType}`);
      expect(hours(compute)).toBeCloseTo(e.traffic.collectors, 9);
      const rate = e.traffic.hitsPerSecond * ('hitsPerSecond' in c.traffic ? 1 : 2);
      const policy = all('aws:autoscaling/policy:Policy')[0]?.inputs;
      const perInstancePerSecond = policy ? policy.targetTrackingConfiguration.targetValue / 60 : 0;
      expect(e.traffic.collectors).toBe(
        perInstancePerSecond > 0
          ? Math.max(asg.minSize, Math.ceil(rate / perInstancePerSecond))
          : asg.minSize,
      );
      const gib = (lt.blockDeviceMappings as Inputs[]).reduce((s, b) => s + b.ebs.volumeSize, 0);
      expect(line('ebs.gp3').quantity).toBe(gib * e.traffic.collectors);
      const publicIp = lt.networkInterfaces?.[0]?.associatePublicIpAddress === 'true';
      expect(lines(IPV4).some((i) => /per collector/.test(i.item))).toBe(publicIp);
      const subnets = new Set(
        all('aws:ec2/subnet:Subnet')
          .filter((s) => s.inputs.tags.tier === (publicIp ? 'public' : 'private'))
          .map((s) => s.id),
      );
      for (const id of asg.vpcZoneIdentifiers) expect(subnets.has(id)).toBe(true);
      if (publicIp) {
        // Public, yet only the load balancer may connect.
        const sg = lt.networkInterfaces[0].securityGroups[0];
        const ingress = all('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').filter(
          (r) => r.inputs.securityGroupId === sg,
        );
        expect(ingress.length).toBeGreaterThan(0);
        for (const r of ingress) {
          expect(r.inputs.referencedSecurityGroupId).toBeTruthy();
          expect(r.inputs.cidrIpv4).toBeUndefined();
        }
        const group = run.resources.find((r) => r.id === sg) as Resource;
        expect(group.inputs.ingress ?? []).toEqual([]);
      }
    });

    it('Kinesis: the stream mode and shard count priced, shard-level metrics only when priced', () => {
      const s = one('aws:kinesis/stream:Stream').inputs;
      if (lines('kinesis.shard-hour').length > 0) {
        expect(s.streamModeDetails.streamMode).toBe('PROVISIONED');
        expect(s.shardCount).toBe(hours(line('kinesis.shard-hour')));
        expect(s.shardCount).toBe(e.traffic.shards);
      } else {
        expect(s.streamModeDetails.streamMode).toBe('ON_DEMAND');
        expect(hours(line('kinesis.od-stream-hour'))).toBeCloseTo(1, 9);
      }
      expect(lines(/^kinesis\.(od-retention|extended-retention)/).length > 0).toBe(s.retentionPeriod > 24);
      const shardMetrics = line('cloudwatch.metric').item.includes('shard-level');
      expect((s.shardLevelMetrics as string[]).length > 0).toBe(shardMetrics);
    });

    it('transformer: the Lambda memory and batching priced', () => {
      const fn = run.resources.find(
        (r) => r.type === 'aws:lambda/function:Function' && /-transformer$/.test(r.name),
      ) as Resource;
      const gb = line('lambda.arm-gb-second', /^transformer/).item.match(/× ([\d.]+) GB$/)?.[1];
      expect(Number(gb)).toBeCloseTo(fn.inputs.memorySize / 1024, 2);
      expect(fn.inputs.architectures).toEqual(['arm64']);
      const esm = one('aws:lambda/eventSourceMapping:EventSourceMapping').inputs;
      expect(esm.maximumBatchingWindowInSeconds).toBe(shape.transformer.batchingWindowSeconds);
      expect(esm.batchSize).toBe(shape.transformer.batchSize);
    });

    it('Aurora: the instances, their promotion tiers and the minimum capacity priced', () => {
      const instances = all('aws:rds/clusterInstance:ClusterInstance');
      const acu = lines('aurora.acu-hour');
      const readers = acu.find((i) => /reader/.test(i.item));
      expect(instances.length).toBe(1 + (readers ? Number(readers.item.match(/^(\d+) reader/)?.[1]) : 0));
      const cluster = one('aws:rds/cluster:Cluster').inputs;
      const min = cluster.serverlessv2ScalingConfiguration.minCapacity;
      const writer = line('aurora.acu-hour', /^writer/);
      expect(hours(writer)).toBeGreaterThanOrEqual(min);
      for (const i of instances.slice(1)) {
        const follows = i.inputs.promotionTier <= 1;
        expect(readers?.item).toContain(follows ? 'follows the writer' : 'own minimum');
        if (!follows) expect(hours(readers as LineItem) / (instances.length - 1)).toBe(min);
      }
    });

    it('interface endpoints: the services and AZs priced', () => {
      const iface = all('aws:ec2/vpcEndpoint:VpcEndpoint').filter(
        (x) => x.inputs.vpcEndpointType === 'Interface',
      );
      const services = iface.map((x) => (x.inputs.serviceName as string).split('.').pop()).sort();
      const priced = line('vpce.interface-hour');
      expect(priced.item).toBe(
        `interface endpoints: ${shape.endpoints.services.join(', ')} × ${shape.endpoints.perAz ? shape.availabilityZones : 1} AZ`,
      );
      expect(services).toEqual([...shape.endpoints.services].sort());
      const endpointAzs = iface.reduce((s, x) => s + (x.inputs.subnetIds as string[]).length, 0);
      expect(hours(priced)).toBeCloseTo(endpointAzs, 9);
    });

    it('lake: the storage classes and lifecycle priced; KMS keys, alarms, dashboard and log retention as priced', () => {
      const lifecycle = all('aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').find((l) =>
        (l.inputs.rules as Inputs[]).some((r) => r.id === 'raw-tiering'),
      ) as Resource;
      const rules = lifecycle.inputs.rules as Inputs[];
      const raw = rules.find((r) => r.id === 'raw-tiering') as Inputs;
      const classes = (raw.transitions as Inputs[]).map((t) => t.storageClass);
      expect(classes.includes('STANDARD_IA')).toBe(lines('s3.standard-ia').some((i) => /raw/.test(i.item)));
      expect(classes.includes('GLACIER_IR')).toBe(lines('s3.glacier-ir').some((i) => /raw/.test(i.item)));
      const stdDays = Number(line('s3.standard', /^raw\//).item.match(/\((\d+) days\)/)?.[1]);
      expect(raw.transitions[0].days).toBe(stdDays);
      expect(raw.expiration?.days ?? 0).toBe(shape.lake.rawExpireDays);
      const tiering = rules.some((r) =>
        r.transitions?.some((t: Inputs) => t.storageClass === 'INTELLIGENT_TIERING'),
      );
      expect(tiering).toBe(lines('s3.it-monitoring').length > 0);
      expect(all('aws:kms/key:Key').length).toBe(line('kms.key').quantity);
      expect(all('aws:cloudwatch/metricAlarm:MetricAlarm').length).toBe(line('cloudwatch.alarm').quantity);
      expect(all('aws:cloudwatch/dashboard:Dashboard').length).toBe(line('cloudwatch.dashboard').quantity);
      const days = Number(line('cloudwatch.logs-storage').item.match(/\((\d+) days\)/)?.[1]);
      for (const g of all('aws:cloudwatch/logGroup:LogGroup')) expect(g.inputs.retentionInDays).toBe(days);
    });
  });
}
