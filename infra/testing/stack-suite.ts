/**
 * The stack assertions, shared by `stack-dev.test.ts` and `stack-prod.test.ts` (one file per stack
 * so each runs in its own forked worker with its own Pulumi mock runtime). The program is built
 * once per file from the real `Pulumi.<stack>.yaml`, with placeholder artifacts.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_METRICS } from '../../collector/metric-names.ts';
import {
  ATHENA_TYPE,
  LAKE_COLUMNS,
  PARTITION_COLUMNS,
  projectionParameters,
  qualityQueries,
} from '../../schemas/index.ts';
import { ANALYST_DOC } from '../components/analyst-queries.ts';
import {
  IMMUTABLE_TTL_SECONDS,
  MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER,
  MANAGED_CACHING_DISABLED,
  STABLE_TTL_SECONDS,
} from '../components/beacon-cdn.ts';
import { COLLECTOR_METRICS_NAMESPACE } from '../components/collector.ts';
import { CLOUDWATCH_COLLECTOR_METRICS } from '../components/collector-user-data.ts';
import { INTERFACE_ENDPOINT_SERVICES } from '../components/network.ts';
import { runAllChecks } from '../policies/checks.ts';
import { type PlannedResource, statementsOf, T } from '../policies/resources.ts';
import type { AltStack } from '../stack.ts';
import {
  type MockRun,
  resolve,
  runProgram,
  stackYamlConfig,
  TEST_SNOWFLAKE,
  TEST_VALUES,
} from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON; the assertions give them shape
type Inputs = Record<string, any>;

export function describeStack(stackName: 'dev' | 'prod') {
  const prod = stackName === 'prod';
  let run: MockRun;
  let stack: AltStack;
  let artifacts: string;
  let outputs: Record<string, unknown>;

  const all = (type: string) => run.resources.filter((r) => r.type === type);
  const one = (type: string, pred: (r: PlannedResource) => boolean = () => true) => {
    const found = all(type).filter(pred);
    expect(found, `${type}`).toHaveLength(1);
    return found[0] as PlannedResource & { inputs: Inputs };
  };
  const byName = (name: string, type?: string) => {
    const r = run.resources.find(
      (x) => x.name === name && (type ? x.type === type : x.type.startsWith('aws:')),
    );
    if (!r) throw new Error(`no resource named ${name}; have ${run.resources.map((x) => x.name).join(', ')}`);
    return r as PlannedResource & { inputs: Inputs };
  };
  const p = `alt-${stackName}`;

  beforeAll(async () => {
    ({ run, stack, outputs, artifacts } = await runProgram(stackName));
  });
  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

  describe(`${stackName} stack`, () => {
    it('has one component per concern, each child parented to its component', async () => {
      const components = run.resources.filter((r) => r.type.startsWith('alt:')).map((r) => r.type);
      expect(new Set(components)).toEqual(
        new Set([
          'alt:network:Network',
          'alt:edge:Edge',
          'alt:beacon:BeaconCdn',
          'alt:ingest:Collector',
          'alt:stream:HitStream',
          'alt:lake:Lake',
          'alt:transform:Transformer',
          'alt:db:Aurora',
          'alt:catalog:Catalog',
          'alt:snowflake:SnowflakeIntegration',
          'alt:monitoring:Monitoring',
        ]),
      );
      const comps = Object.values(stack).filter(
        (c): c is pulumi.ComponentResource => c instanceof pulumi.ComponentResource,
      );
      let children = 0;
      for (const comp of comps) {
        const type = (comp as unknown as { __pulumiType: string }).__pulumiType;
        const fields = Object.values(comp).flatMap((f) => (Array.isArray(f) ? f : [f]));
        const nested = fields.flatMap((f) =>
          f && typeof f === 'object' && !pulumi.Resource.isInstance(f) ? Object.values(f) : [f],
        );
        for (const child of nested.filter((f) => pulumi.CustomResource.isInstance(f))) {
          const urn = await resolve((child as pulumi.CustomResource).urn);
          expect(urn, urn).toContain(`${type}$`);
          children++;
        }
      }
      expect(children).toBeGreaterThan(60);
    });

    it('passes every policy check (public access, encryption, TLS, IMDSv2, IAM scope, alarms)', () => {
      expect(runAllChecks(run.resources)).toEqual([]);
    });

    it('network: public and private subnets per AZ, no NAT, S3 gateway and interface endpoints', () => {
      const azs = JSON.parse(stackYamlConfig(stackName)['alt:availabilityZones']) as string[];
      const subnets = all('aws:ec2/subnet:Subnet');
      expect(subnets).toHaveLength(azs.length * 2);
      expect(subnets.every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
      expect(all('aws:ec2/natGateway:NatGateway')).toHaveLength(0);
      const endpoints = all('aws:ec2/vpcEndpoint:VpcEndpoint');
      expect(endpoints.find((e) => e.inputs.vpcEndpointType === 'Gateway')?.inputs.serviceName).toBe(
        'com.amazonaws.eu-west-1.s3',
      );
      const iface = endpoints.filter((e) => e.inputs.vpcEndpointType === 'Interface');
      expect(iface.map((e) => (e.inputs.serviceName as string).split('.').pop()).sort()).toEqual(
        [...INTERFACE_ENDPOINT_SERVICES].sort(),
      );
      for (const e of iface) expect((e.inputs.subnetIds as string[]).length).toBe(prod ? azs.length : 1);
    });

    it('edge: HTTPS on a TLS 1.3 policy, HTTP redirects, /readyz health check, WAF rate rule + managed groups', () => {
      const https = one('aws:lb/listener:Listener', (l) => l.inputs.protocol === 'HTTPS').inputs;
      expect(https.sslPolicy).toMatch(/^ELBSecurityPolicy-TLS13-/);
      expect(https.certificateArn).toMatch(/^arn:aws:acm:eu-west-1:/);
      const http = one('aws:lb/listener:Listener', (l) => l.inputs.protocol === 'HTTP').inputs;
      expect(http.defaultActions[0]).toMatchObject({
        type: 'redirect',
        redirect: { protocol: 'HTTPS', statusCode: 'HTTP_301' },
      });
      const tg = one('aws:lb/targetGroup:TargetGroup').inputs;
      expect(tg.healthCheck.path).toBe('/readyz');
      const alb = one('aws:lb/loadBalancer:LoadBalancer').inputs;
      expect(alb).toMatchObject({ internal: false, idleTimeout: 60, dropInvalidHeaderFields: true });
      const acl = one('aws:wafv2/webAcl:WebAcl').inputs;
      // Prod routes /v1/* through CloudFront: the ACL is the distribution's (edge-suite.ts).
      expect(acl.scope).toBe(prod ? 'CLOUDFRONT' : 'REGIONAL');
      const rate = acl.rules.find((r: Inputs) => r.statement.rateBasedStatement);
      expect(rate.action).toEqual({ block: {} });
      expect(rate.statement.rateBasedStatement.limit).toBe(prod ? 50_000 : 20_000);
      expect(rate.statement.rateBasedStatement.aggregateKeyType).toBe('IP');
      const groups = acl.rules
        .map((r: Inputs) => r.statement.managedRuleGroupStatement?.name)
        .filter(Boolean);
      expect(groups).toContain('AWSManagedRulesCommonRuleSet');
      expect(groups).toContain('AWSManagedRulesKnownBadInputsRuleSet');
      const associations = all('aws:wafv2/webAclAssociation:WebAclAssociation');
      expect(associations).toHaveLength(prod ? 0 : 1);
    });

    it('beacon: the bucket is private and readable only by this distribution through OAC', () => {
      const bucket = byName(`${p}-beacon`);
      const pab = one(T.publicAccessBlock, (r) => r.inputs.bucket === bucket.id).inputs;
      expect(pab).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const policy = statementsOf(one(T.bucketPolicy, (r) => r.inputs.bucket === bucket.id).inputs.policy);
      const allows = policy.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Condition: {
          StringEquals: { 'AWS:SourceArn': `arn:aws:cloudfront:eu-west-1:123456789012:${p}-beacon-cdn` },
        },
      });
      const dist = byName(`${p}-beacon-cdn`).inputs;
      const oac = byName(`${p}-beacon-oac`);
      expect(oac.inputs).toMatchObject({
        originAccessControlOriginType: 's3',
        signingBehavior: 'always',
        signingProtocol: 'sigv4',
      });
      expect(dist.origins[0].originAccessControlId).toBe(oac.id);
      expect(dist.origins[0].domainName).toMatch(/\.s3\.eu-west-1\.amazonaws\.com$/);
      expect(dist.httpVersion).toBe('http2and3');
      expect(dist.defaultCacheBehavior.viewerProtocolPolicy).toBe('redirect-to-https');
    });

    it('beacon: b.<hash>.js cached a year as immutable, b.js briefly, CORS + nosniff headers', () => {
      const dist = byName(`${p}-beacon-cdn`).inputs;
      const immutable = byName(`${p}-beacon-immutable`);
      const stable = byName(`${p}-beacon-stable`);
      expect(immutable.inputs).toMatchObject({
        minTtl: IMMUTABLE_TTL_SECONDS,
        defaultTtl: IMMUTABLE_TTL_SECONDS,
      });
      expect(stable.inputs.defaultTtl).toBe(STABLE_TTL_SECONDS);
      const hashed = dist.orderedCacheBehaviors.find((b: Inputs) => b.pathPattern === '/b.*.js');
      expect(hashed.cachePolicyId).toBe(immutable.id);
      expect(dist.defaultCacheBehavior.cachePolicyId).toBe(stable.id);
      expect(byName(`${p}-beacon-b.3f9a0c1d.js`).inputs.cacheControl).toContain('immutable');
      expect(byName(`${p}-beacon-b.js`).inputs.cacheControl).toMatch(/max-age=60\b/);
      const headers = byName(`${p}-beacon-headers`);
      expect(headers.inputs.securityHeadersConfig.contentTypeOptions.override).toBe(true);
      expect(headers.inputs.corsConfig.accessControlAllowOrigins.items).toEqual(['*']);
      expect(hashed.responseHeadersPolicyId).toBe(headers.id);
      const api = dist.orderedCacheBehaviors.find((b: Inputs) => b.pathPattern === '/v1/*');
      if (prod) {
        expect(api).toMatchObject({
          cachePolicyId: MANAGED_CACHING_DISABLED,
          originRequestPolicyId: MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER,
          targetOriginId: 'collector-alb',
        });
        expect(api.allowedMethods).toContain('POST');
        expect(dist.origins[1]).toMatchObject({
          domainName: TEST_VALUES.prod.apiDomainName,
          customOriginConfig: { originProtocolPolicy: 'https-only' },
        });
        expect(dist.aliases).toEqual([TEST_VALUES.prod.cdnDomainName]);
      } else {
        expect(api).toBeUndefined();
        expect(dist.origins).toHaveLength(1);
      }
    });

    it('collector: IMDSv2-only template, encrypted spool volume, least-privilege role, drained ASG', () => {
      const lt = one(T.launchTemplate).inputs;
      expect(lt.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 1 });
      expect(lt.imageId).toContain(`al2023-ami-kernel-default-arm64`);
      const spool = lt.blockDeviceMappings.find((b: Inputs) => b.deviceName === '/dev/sdf');
      expect(spool.ebs).toMatchObject({ encrypted: 'true', volumeSize: prod ? 100 : 20 });
      const script = Buffer.from(lt.userData, 'base64').toString('utf8');
      expect(script).toContain('Restart=always');
      expect(script).toMatch(/aws s3 cp s3:\/\/alt-\w+-collector-artifacts-\w+\/collector\/bundle\.zip/);
      expect(script).toContain('ALT_STREAM=kinesis ALT_KINESIS_STREAM=');
      expect(script).toContain(`ALT_TRUST_PROXY_HOPS=${prod ? 2 : 1}`);
      expect(script).toContain(`ALT_SPOOL_MAX_BYTES=${Math.floor((prod ? 100 : 20) * 1024 ** 3 * 0.8)}`);
      expect(script).toContain('complete-lifecycle-action');
      const statements = statementsOf(byName(`${p}-collector-policy`).inputs.policy);
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions.filter((a) => a?.startsWith('kinesis:')).sort()).toEqual([
        'kinesis:DescribeStreamSummary',
        'kinesis:PutRecord',
        'kinesis:PutRecords',
      ]);
      const put = statements.find((s) => s.Sid === 'PutHits');
      expect(put?.Resource).toMatch(/^arn:aws:kinesis:.*alt-\w+-hits$/);
      expect(statements.find((s) => s.Sid === 'ReadArtifact')?.Resource).toMatch(/collector\/bundle\.zip$/);
      const asg = one('aws:autoscaling/group:Group').inputs;
      expect(asg).toMatchObject({ minSize: prod ? 2 : 1, healthCheckType: 'ELB' });
      expect(asg.initialLifecycleHooks[0]).toMatchObject({
        lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        defaultResult: 'CONTINUE',
      });
      expect(asg.vpcZoneIdentifiers).toHaveLength(prod ? 3 : 1);
      const scaling = all('aws:autoscaling/policy:Policy');
      if (prod) {
        expect(scaling).toHaveLength(1);
        expect(scaling[0].inputs.targetTrackingConfiguration).toMatchObject({
          targetValue: 90_000,
          predefinedMetricSpecification: {
            predefinedMetricType: 'ALBRequestCountPerTarget',
            resourceLabel: expect.stringMatching(/^app\/.+\/targetgroup\/.+/),
          },
        });
      } else expect(scaling).toHaveLength(0);
      const ingress = byName(`${p}-collector-from-alb`).inputs;
      expect(ingress).toMatchObject({
        fromPort: 8080,
        referencedSecurityGroupId: byName(`${p}-edge-alb`, T.securityGroup).id,
      });
      expect(ingress.securityGroupId).toBe(byName(`${p}-collector`, T.securityGroup).id);
    });

    it('stream: Kinesis on-demand, KMS-encrypted, retention from config', () => {
      const s = one(T.stream).inputs;
      expect(s).toMatchObject({
        streamModeDetails: { streamMode: 'ON_DEMAND' },
        encryptionType: 'KMS',
        retentionPeriod: prod ? 168 : 24,
      });
      expect(s.kmsKeyId).toBe(`arn:aws:kms:eu-west-1:123456789012:${p}-hits-key`);
    });

    it('lake: KMS, versioned, tiered raw/ lifecycle with configured expiry, never force-destroyed', () => {
      const lake = byName(`${p}-lake`, T.bucket);
      expect(lake.inputs.forceDestroy).toBe(false);
      const enc = one(T.bucketEncryption, (r) => r.inputs.bucket === lake.id).inputs;
      expect(enc.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
      expect(
        one('aws:s3/bucketVersioning:BucketVersioning', (r) => r.inputs.bucket === lake.id).inputs
          .versioningConfiguration.status,
      ).toBe('Enabled');
      const rules = byName(`${p}-lake-lifecycle`).inputs.rules as Inputs[];
      const raw = rules.find((r) => r.filter.prefix === 'raw/')!;
      expect(raw.transitions).toEqual([
        { days: 30, storageClass: 'STANDARD_IA' },
        { days: 90, storageClass: 'GLACIER_IR' },
      ]);
      expect(raw.expiration.days).toBe(prod ? 730 : 180);
      expect(rules.some((r) => r.abortIncompleteMultipartUpload?.daysAfterInitiation === 1)).toBe(true);
      const notes = all('aws:s3/bucketNotification:BucketNotification');
      if (prod) {
        expect(notes).toHaveLength(1);
        expect((notes[0].inputs as Inputs).queues[0]).toMatchObject({
          queueArn: TEST_SNOWFLAKE.sqsArn,
          events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
          filterPrefix: 'hits/',
        });
      } else expect(notes).toHaveLength(0);
      for (const b of all(T.bucket)) expect(b.inputs.forceDestroy).toBe(false);
    });

    it('transformer: nodejs24.x on arm64 in the VPC, bounded event source mapping with a DLQ', () => {
      const fn = byName(`${p}-transformer`, 'aws:lambda/function:Function').inputs;
      expect(fn).toMatchObject({ runtime: 'nodejs24.x', architectures: ['arm64'], handler: 'index.handler' });
      expect(fn.vpcConfig.subnetIds).toHaveLength(prod ? 3 : 2);
      expect(fn.environment.variables.ALT_LAKE_BUCKET).toMatch(/^alt-\w+-lake-/);
      const esm = one('aws:lambda/eventSourceMapping:EventSourceMapping').inputs;
      expect(esm).toMatchObject({
        startingPosition: 'TRIM_HORIZON',
        batchSize: 10_000,
        maximumBatchingWindowInSeconds: prod ? 60 : 30,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ['ReportBatchItemFailures'],
        maximumRetryAttempts: prod ? 10 : 5,
        maximumRecordAgeInSeconds: prod ? 86_400 : 21_600,
      });
      expect(esm.destinationConfig.onFailure.destinationArn).toMatch(/^arn:aws:sqs:.*transformer-dlq$/);
      expect(esm.eventSourceArn).toMatch(/^arn:aws:kinesis:/);
      const migrate = one('aws:lambda/invocation:Invocation').inputs;
      expect(JSON.parse(migrate.input).migrations).toMatch(/^[0-9a-f]{64}$/);
      const statements = statementsOf(byName(`${p}-transformer-policy`).inputs.policy);
      expect(statements.find((s) => s.Sid === 'WriteLake')?.Resource).toMatch(
        /^arn:aws:s3:::alt-\w+-lake-\w+\/\*$/,
      );
    });

    it('aurora: Serverless v2, private, encrypted, managed password, open only to collector and transformer', () => {
      const c = byName(`${p}-db-cluster`).inputs;
      expect(c).toMatchObject({
        engine: 'aurora-postgresql',
        storageEncrypted: true,
        manageMasterUserPassword: true,
        deletionProtection: prod,
        backupRetentionPeriod: prod ? 14 : 1,
        serverlessv2ScalingConfiguration: { minCapacity: 0.5, maxCapacity: prod ? 16 : 2 },
      });
      expect(c.masterPassword).toBeUndefined();
      const instances = all(T.rdsClusterInstance);
      expect(instances).toHaveLength(prod ? 2 : 1);
      for (const i of instances)
        expect(i.inputs).toMatchObject({ instanceClass: 'db.serverless', publiclyAccessible: false });
      const dbSg = byName(`${p}-db-db`);
      expect(dbSg.inputs.ingress ?? []).toEqual([]);
      const rules = all(T.ingressRule).filter((r) => r.inputs.securityGroupId === dbSg.id);
      expect(rules.map((r) => r.inputs.referencedSecurityGroupId).sort()).toEqual(
        [byName(`${p}-collector`, T.securityGroup).id, byName(`${p}-transformer`, T.securityGroup).id].sort(),
      );
      expect(rules.every((r) => r.inputs.fromPort === 5432 && r.inputs.cidrIpv4 === undefined)).toBe(true);
    });

    it('console: the Data API is on, and the operator policy names exactly this cluster and its secret', () => {
      const cluster = byName(`${p}-db-cluster`, T.rdsCluster);
      expect(cluster.inputs.enableHttpEndpoint).toBe(true);
      const clusterState = cluster.state as Inputs;
      const secretArn = clusterState.masterUserSecrets[0].secretArn;
      const policy = byName(`${p}-db-console-operator`, T.policy);
      const statements = statementsOf(policy.inputs.policy);
      const resourcesOf = (action: string) =>
        statements
          .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action))
          .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
      for (const a of ['ExecuteStatement', 'BeginTransaction', 'CommitTransaction', 'RollbackTransaction'])
        expect(resourcesOf(`rds-data:${a}`), a).toEqual([clusterState.arn]);
      expect(resourcesOf('secretsmanager:GetSecretValue')).toEqual([secretArn]);
      expect(resourcesOf('cloudwatch:GetMetricData')).toEqual(['*']);
      // What `alt console --stack` reads from the outputs.
      expect(outputs).toMatchObject({
        auroraClusterArn: clusterState.arn,
        auroraSecretArn: secretArn,
        auroraDatabase: cluster.inputs.databaseName,
        collectorGroupName: (one('aws:autoscaling/group:Group').state as Inputs).name,
        consolePolicyArn: (policy.state as Inputs).arn,
        region: stack.config.region,
      });
    });

    it('catalog: Glue table and projection from schemas/, enforced encrypted Athena workgroup, named queries', () => {
      const table = one('aws:glue/catalogTable:CatalogTable').inputs;
      // The mock names a bucket `<logical name>-0123abcd`, like Pulumi's auto-naming suffix.
      const lakeLocation = `s3://${p}-lake-0123abcd/`;
      expect(table.storageDescriptor.columns).toEqual(
        LAKE_COLUMNS.map((c) => ({ name: c.name, type: ATHENA_TYPE[c.type], comment: c.doc })),
      );
      expect(table.partitionKeys.map((k: Inputs) => k.name)).toEqual(PARTITION_COLUMNS.map((c) => c.name));
      expect(table.parameters).toEqual({ EXTERNAL: 'TRUE', ...projectionParameters(lakeLocation) });
      expect(table.storageDescriptor.location).toBe(`${lakeLocation}hits/`);
      const wg = one(T.workgroup).inputs.configuration;
      expect(wg).toMatchObject({
        enforceWorkgroupConfiguration: true,
        bytesScannedCutoffPerQuery: prod ? 107_374_182_400 : 10_737_418_240,
        resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_KMS' } },
      });
      expect(wg.resultConfiguration.outputLocation).toMatch(/^s3:\/\/alt-\w+-catalog-results-/);
      const saved = all('aws:athena/namedQuery:NamedQuery');
      const names = saved.map((q) => q.inputs.name as string);
      const docBlocks = [
        ...readFileSync(ANALYST_DOC, 'utf8').matchAll(/^```sql engine=athena name=(\S+)/gm),
      ].map((m) => m[1]);
      expect(docBlocks.length).toBeGreaterThan(5);
      expect(names.sort()).toEqual(
        [...docBlocks, ...qualityQueries().map((q) => `quality_${q.name}`)].sort(),
      );
      const p95 = saved.find((q) => q.inputs.name === 'latency_percentiles')!.inputs;
      expect(p95.query).toMatch(/approx_percentile/);
      expect(p95.query).not.toContain('```');
      for (const q of saved) expect(q.inputs.database).toBe(`alt_${stackName}`);
    });

    it('snowflake: role trusted with the pinned external id; the SQL is a stack output', () => {
      const role = byName(`${p}-snowflake-role`).inputs;
      const [trust] = statementsOf(role.assumeRolePolicy);
      expect(trust.Condition).toEqual({
        StringEquals: { 'sts:ExternalId': `alt-${stackName}-snowflake-0001` },
      });
      expect((trust.Principal as Inputs).AWS).toBe(
        prod ? TEST_SNOWFLAKE.principalArn : 'arn:aws:iam::123456789012:root',
      );
      const sql = outputs.snowflakeSql as string;
      expect(sql).toContain(`STORAGE_AWS_EXTERNAL_ID = 'alt-${stackName}-snowflake-0001'`);
      expect(sql).toMatch(/STORAGE_AWS_ROLE_ARN = 'arn:aws:iam:.*snowflake-role'/);
      expect(sql).toContain('FILE_FORMAT = (TYPE = PARQUET)');
      expect(outputs.snowflakeRoleArn).toMatch(/^arn:aws:iam:/);
    });

    it('monitoring: encrypted SNS topic, every alarm notifies it, p99 > 50 ms, a dashboard', () => {
      const topic = one(T.topic);
      expect(topic.inputs.kmsMasterKeyId).toBeTruthy();
      const alarms = all(T.metricAlarm);
      expect(alarms.length).toBeGreaterThanOrEqual(12);
      for (const a of alarms) expect(a.inputs.alarmActions).toEqual([expect.stringMatching(/^arn:aws:sns:/)]);
      const p99 = alarms.find((a) => a.inputs.metricName === 'TargetResponseTime')!.inputs;
      expect(p99).toMatchObject({ extendedStatistic: 'p99', threshold: 0.05 });
      const body = JSON.parse(one('aws:cloudwatch/dashboard:Dashboard').inputs.dashboardBody);
      expect(body.widgets.length).toBeGreaterThanOrEqual(5);
      expect(all('aws:sns/topicSubscription:TopicSubscription')).toHaveLength(prod ? 1 : 0);
    });

    it('alarms and charts only collector metrics the collector emits and the agent ships', () => {
      const emitted = new Set<string>(Object.values(COLLECTOR_METRICS));
      const shipped = new Set<string>(CLOUDWATCH_COLLECTOR_METRICS);
      for (const name of shipped) expect(emitted, name).toContain(name);
      const watched = all(T.metricAlarm)
        .filter((a) => a.inputs.namespace === COLLECTOR_METRICS_NAMESPACE)
        .map((a) => a.inputs.metricName as string);
      const body = JSON.parse(one('aws:cloudwatch/dashboard:Dashboard').inputs.dashboardBody);
      for (const w of body.widgets as { properties?: { metrics?: unknown[][] } }[]) {
        for (const m of w.properties?.metrics ?? []) {
          if (m[0] === COLLECTOR_METRICS_NAMESPACE) watched.push(m[1] as string);
        }
      }
      expect(watched.length).toBeGreaterThan(0);
      for (const name of watched) expect(shipped, name).toContain(name);
    });

    it('exports the outputs an operator needs', () => {
      expect(outputs.beaconUrl).toBe(
        prod
          ? `https://${TEST_VALUES.prod.cdnDomainName}/b.js`
          : 'https://d111111abcdef8.cloudfront.net/b.js',
      );
      expect(outputs.collectorUrl).toEqual(
        prod
          ? `https://${TEST_VALUES.prod.cdnDomainName}`
          : expect.stringMatching(/^https:\/\/.*elb\.amazonaws\.com$/),
      );
      for (const k of [
        'streamName',
        'lakeBucket',
        'athenaWorkgroup',
        'auroraEndpoint',
        'auroraSecretArn',
        'dlqUrl',
        'alarmTopicArn',
      ]) {
        expect(outputs[k], k).toEqual(expect.any(String));
      }
    });
  });
}
