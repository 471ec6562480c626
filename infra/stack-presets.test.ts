/**
 * Each preset builds what `alt cost` prices, and prices what it builds (issue #21): the program
 * runs under the Pulumi mocks with `alt:preset`, and its billable resources are matched against
 * the cost model's line items for the same preset and traffic, in both directions — every priced
 * line has the resources behind it, in the counts and sizes priced, and every billable resource
 * type the stack creates is priced (or listed below with why it costs nothing at rest).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEEP_ALIVE_TIMEOUT_MS } from '../collector/keep-alive.ts';
import {
  COLLECTOR_METRICS,
  COLLECTOR_METRICS_NAMESPACE,
  cloudwatchCollectorMetrics,
} from '../collector/metric-names.ts';
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
  // The managed certificate's state (the RDS-managed Aurora secret is priced with the cluster).
  'aws:secretsmanager/secret:Secret': ['secrets.secret'],
  'aws:athena/workgroup:Workgroup': ['athena.'],
};

/** Billed only by use that normal operation does not have (or under a free tier), so not priced. */
const UNPRICED: Record<string, string> = {
  'aws:sqs/queue:Queue': 'the DLQ holds messages only when a batch fails for good',
  'aws:sns/topic:Topic': 'alarm notifications: a few a month, inside the free 1,000 e-mails',
  'aws:lambda/invocation:Invocation':
    'the migration and the certificate renewer run once a deploy (their functions are priced)',
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
      // What scale is priced for: the stack's own short-chain certificate.
      managedCertificate: {
        hostedZoneId: 'Z04417362B5Q0KXQ2J1VB',
        domainName: 'collect.alt.test',
        contactEmail: 'ops@alt.test',
      },
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
      expect(shape.loadBalancer).toBe(e.loadBalancer);
      expect(hours(line(e.loadBalancer === 'alb' ? 'elb.alb-hour' : 'elb.nlb-hour'))).toBeCloseTo(1, 9);
      if (e.loadBalancer === 'alb') {
        expect(lb.idleTimeout).toBe(ALB_IDLE_TIMEOUT_SECONDS);
        expect(shape.idleTimeoutSeconds).toBe(lb.idleTimeout);
      } else {
        // A TLS listener keeps idle flows 350 s and cannot be told otherwise; the collector closes
        // idle connections first, so its keep-alive is the idle time priced.
        const listeners = all('aws:lb/listener:Listener');
        expect(listeners.map((l) => l.inputs.protocol)).toEqual(['TLS']);
        expect(listeners[0]?.inputs.tcpIdleTimeoutSeconds).toBeUndefined();
        expect(KEEP_ALIVE_TIMEOUT_MS / 1000).toBeLessThan(350);
        expect(shape.idleTimeoutSeconds).toBe(KEEP_ALIVE_TIMEOUT_MS / 1000);
      }
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

/**
 * `scale` builds an NLB (issue #21): what the ALB did for the stack is done by the pieces the
 * tests below follow from resource to resource — the TLS listener and its certificate, the
 * target group and its health check on the collectors' private port, the security-group rules that
 * admit only the NLB, and the alarms and scaling policy on metrics the collectors export and their
 * agent ships.
 */
describe('preset scale: the NLB and what stands in for the ALB', () => {
  let run: MockRun;
  let artifacts: string;
  const scale = CASES.find((c) => c.preset === 'scale') as Case;
  beforeAll(async () => {
    ({ run, artifacts } = await build(scale));
  }, 60_000);
  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

  const all = (type: string) => run.resources.filter((r) => r.type === type) as Resource[];
  const one = (type: string) => {
    const found = all(type);
    expect(found, type).toHaveLength(1);
    return found[0] as Resource;
  };
  const byId = (id: unknown) => run.resources.find((r) => r.id === id) as Resource;
  const script = () =>
    Buffer.from(one('aws:ec2/launchTemplate:LaunchTemplate').inputs.userData, 'base64').toString('utf8');
  const env = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)\\b`).exec(script())?.[1]);

  it('is a network load balancer with a TLS listener on the certificate, forwarding TCP to the collectors', () => {
    const lb = one('aws:lb/loadBalancer:LoadBalancer');
    expect(lb.state?.arn).toMatch(/^arn:aws:lb:/);
    expect(lb.inputs).toMatchObject({ loadBalancerType: 'network', internal: false, ipAddressType: 'ipv4' });
    // No ALB listeners or rules: no HTTPS listener, no redirect, no path rules.
    expect(all('aws:lb/listenerRule:ListenerRule')).toEqual([]);
    const listener = one('aws:lb/listener:Listener').inputs;
    expect(listener.loadBalancerArn).toBe(lb.state?.arn);
    // The certificate is the managed one: what the renewer's deploy-time run returned.
    const firstRun = all('aws:lambda/invocation:Invocation').find((r) =>
      r.name.endsWith('-certificate-first-run'),
    ) as Resource;
    expect(listener).toMatchObject({
      protocol: 'TLS',
      port: 443,
      certificateArn: JSON.parse(firstRun.state?.result as string).certificateArn,
      alpnPolicy: 'HTTP1Only',
    });
    // A TLS 1.3 policy (its TLS 1.2 suites include ECDHE-ECDSA for the ECDSA certificate priced);
    // left out, the API would apply ELBSecurityPolicy-2016-08.
    expect(listener.sslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    const tg = one('aws:lb/targetGroup:TargetGroup');
    expect(tg.state?.arn).toMatch(/^arn:aws:lb:/);
    expect(listener.defaultActions).toEqual([{ type: 'forward', targetGroupArn: tg.state?.arn }]);
    expect(tg.inputs).toMatchObject({ protocol: 'TCP', targetType: 'instance', preserveClientIp: 'true' });
    const asg = one('aws:autoscaling/group:Group').inputs;
    expect(asg.targetGroupArns).toEqual([tg.state?.arn]);
    expect(asg.healthCheckType).toBe('ELB');
  });

  it('health-checks /readyz on the collectors’ private port, which no listener forwards to', () => {
    const tg = one('aws:lb/targetGroup:TargetGroup').inputs;
    expect([env('ALT_PORT'), env('ALT_PRIVATE_PORT')].every(Number.isInteger)).toBe(true);
    expect(tg.port).toBe(env('ALT_PORT'));
    expect(tg.healthCheck).toMatchObject({ protocol: 'HTTP', path: '/readyz', matcher: '200' });
    expect(Number(tg.healthCheck.port)).toBe(env('ALT_PRIVATE_PORT'));
    expect(env('ALT_PRIVATE_PORT')).not.toBe(env('ALT_PORT'));
    // The agent scrapes /metrics there too.
    expect(script()).toContain(`targets: ['127.0.0.1:${env('ALT_PRIVATE_PORT')}']`);
  });

  it('admits only the NLB’s security group to the collectors, on the traffic and health-check ports', () => {
    const lb = one('aws:lb/loadBalancer:LoadBalancer').inputs;
    expect(lb.securityGroups).toHaveLength(1);
    const nlbSg = byId(lb.securityGroups[0]);
    expect(nlbSg.id).toBeTruthy();
    expect(nlbSg.type).toBe('aws:ec2/securityGroup:SecurityGroup');
    expect(nlbSg.inputs.ingress).toEqual([
      { protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] },
    ]);
    const tg = one('aws:lb/targetGroup:TargetGroup').inputs;
    const ports = [tg.port, Number(tg.healthCheck.port)].sort();
    // The NLB may open connections to exactly those ports.
    expect((nlbSg.inputs.egress as Inputs[]).map((x) => x.fromPort).sort()).toEqual(ports);
    const lt = one('aws:ec2/launchTemplate:LaunchTemplate').inputs;
    const collectorSg = lt.networkInterfaces[0].securityGroups[0];
    const ingress = all('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').filter(
      (r) => r.inputs.securityGroupId === collectorSg,
    );
    expect(ingress.map((r) => r.inputs.fromPort).sort()).toEqual(ports);
    for (const r of ingress) {
      expect(r.inputs.referencedSecurityGroupId).toBe(nlbSg.id);
      expect(r.inputs.toPort).toBe(r.inputs.fromPort);
      expect(r.inputs.cidrIpv4).toBeUndefined();
    }
  });

  it('takes the client address from the connection: the collectors trust no X-Forwarded-For', () => {
    expect(env('ALT_TRUST_PROXY_HOPS')).toBe(0);
    expect(one('aws:lb/targetGroup:TargetGroup').inputs.proxyProtocolV2).toBe(false);
  });

  it('alarms on the collector’s own request metrics, which it exports and its agent ships', () => {
    const shipped = cloudwatchCollectorMetrics('nlb');
    const selectors = /"metric_selectors":\[([^\]]*)\]/.exec(script())?.[1] ?? '';
    const alarms = all('aws:cloudwatch/metricAlarm:MetricAlarm');
    const watched = alarms.flatMap((a) => [
      a.inputs,
      ...((a.inputs.metricQueries as Inputs[] | undefined) ?? []).map((q) => q.metric ?? {}),
    ]);
    const groupName = one('aws:autoscaling/group:Group').inputs.name;
    for (const name of [
      COLLECTOR_METRICS.responses5xx,
      COLLECTOR_METRICS.responses4xx,
      COLLECTOR_METRICS.requestLatencyP99,
    ]) {
      const m = watched.find((x) => x.namespace === COLLECTOR_METRICS_NAMESPACE && x.metricName === name);
      expect(m, name).toBeDefined();
      expect(m?.dimensions).toEqual({ AutoScalingGroupName: groupName });
      expect(shipped).toContain(name);
      expect(selectors).toContain(`"^${name}$"`);
    }
    // Nothing reads the ALB's metrics, which this stack does not have.
    expect(watched.filter((x) => x.namespace === 'AWS/ApplicationELB')).toEqual([]);
    const p99 = alarms.find((a) => a.inputs.metricName === COLLECTOR_METRICS.requestLatencyP99)?.inputs;
    expect(p99).toMatchObject({ statistic: 'Maximum', threshold: 0.05 });
    // The NLB's own: its health checks' view of the collectors.
    const nlbSuffix = 'net/';
    for (const a of alarms.filter((x) => x.inputs.namespace === 'AWS/NetworkELB'))
      expect(String(a.inputs.dimensions.LoadBalancer)).toMatch(new RegExp(`^${nlbSuffix}`));
  });

  it('every alarm, the NLB’s own included, has its runbook entry in docs/operations.md', () => {
    const doc = readFileSync(path.join(import.meta.dirname, '..', 'docs', 'operations.md'), 'utf8');
    const headings = new Set([...doc.matchAll(/^### (\S+)$/gm)].map((m) => m[1]));
    const prefix = 'alt-prod-monitoring-';
    const ids = all('aws:cloudwatch/metricAlarm:MetricAlarm').map((a) => a.name.slice(prefix.length));
    expect(ids).toContain('nlb-no-healthy-hosts');
    expect(ids).not.toContain('alb-5xx');
    expect(ids.filter((id) => !headings.has(id))).toEqual([]);
  });

  it('scales on requests a minute per in-service collector, from metrics that exist, at the rate priced', () => {
    const policy = one('aws:autoscaling/policy:Policy').inputs;
    const tt = policy.targetTrackingConfiguration;
    expect(tt.predefinedMetricSpecification).toBeUndefined();
    const asg = one('aws:autoscaling/group:Group').inputs;
    expect(policy.autoscalingGroupName).toBe(asg.name);
    const metrics = tt.customizedMetricSpecification.metrics as Inputs[];
    const stat = (id: string) => metrics.find((m) => m.id === id)?.metricStat;
    expect(stat('requests')?.metric).toEqual({
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.requests,
      dimensions: [{ name: 'AutoScalingGroupName', value: asg.name }],
    });
    expect(cloudwatchCollectorMetrics('nlb')).toContain(COLLECTOR_METRICS.requests);
    // The group publishes its in-service count (enabledMetrics), which the expression divides by.
    expect(stat('instances')?.metric.metricName).toBe('GroupInServiceInstances');
    expect(asg.enabledMetrics).toContain('GroupInServiceInstances');
    const returned = metrics.filter((m) => m.returnData !== false);
    expect(returned).toEqual([expect.objectContaining({ expression: 'requests / instances' })]);
    // A minute's requests per instance: the model's target per second × 60.
    expect(tt.targetValue).toBe(PRESETS.scale.collector.targetRequestsPerSecond * 60);
  });
});
