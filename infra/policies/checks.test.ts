/**
 * Each policy check passes a small compliant plan and fails on a deliberately bad resource, so a
 * clean run over the real stacks (stack-*.test.ts) means something.
 */
import { describe, expect, it } from 'vitest';
import { MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER } from '../components/beacon-cdn.ts';
import { webAclRules } from '../components/waf-rules.ts';
import {
  alarmsCoverPipeline,
  cdnSendsOriginHost,
  encryptionAtRest,
  iamScopedToArns,
  imdsV2Only,
  noPublicBuckets,
  noPublicDatabases,
  operationalPathsNotPublic,
  requiredAlarms,
  runAllChecks,
  tlsOnlyBuckets,
  wafAdmitsCollectorSizes,
} from './checks.ts';
import { type PlannedResource, T } from './resources.ts';

const BUCKET_ARN = 'arn:aws:s3:::lake';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const tlsDeny = {
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};
const r = (type: string, name: string, inputs: Record<string, unknown>, id?: string): PlannedResource => ({
  type,
  name,
  inputs,
  id,
});

/** A compliant plan touching every resource type the checks read. */
function goodPlan(): PlannedResource[] {
  return [
    r(T.bucket, 'lake', { forceDestroy: false }, 'lake-id'),
    r(T.publicAccessBlock, 'lake-pab', {
      bucket: 'lake-id',
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }),
    r(T.bucketEncryption, 'lake-enc', {
      bucket: 'lake-id',
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }],
    }),
    r(T.bucketPolicy, 'lake-policy', {
      bucket: 'lake-id',
      policy: doc(tlsDeny, {
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: `${BUCKET_ARN}/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': 'arn:aws:cloudfront::1:distribution/X' } },
      }),
    }),
    r(T.stream, 'hits', { encryptionType: 'KMS', kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k' }),
    r(T.rdsCluster, 'db', { storageEncrypted: true }),
    r(T.rdsClusterInstance, 'db-0', { publiclyAccessible: false }),
    r(T.securityGroup, 'alb', {
      ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] }],
    }),
    r(T.ingressRule, 'db-from-collector', {
      fromPort: 5432,
      toPort: 5432,
      referencedSecurityGroupId: 'sg-1',
    }),
    r(T.queue, 'dlq', { sqsManagedSseEnabled: true }),
    r(T.topic, 'alarms', { kmsMasterKeyId: 'key-id' }),
    r(T.launchTemplate, 'lt', {
      metadataOptions: { httpTokens: 'required' },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: 'true' } }],
    }),
    r(T.workgroup, 'wg', {
      configuration: {
        enforceWorkgroupConfiguration: true,
        resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_KMS' } },
      },
    }),
    r(T.role, 'role', {
      assumeRolePolicy: doc({
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'lambda.amazonaws.com' },
      }),
    }),
    r(T.rolePolicy, 'role-policy', {
      policy: doc(
        { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `${BUCKET_ARN}/*` },
        {
          Effect: 'Allow',
          Action: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'],
          Resource: '*',
        },
      ),
    }),
    ...requiredAlarms('alb').map((a, i) =>
      r(T.metricAlarm, `alarm-${i}`, {
        namespace: a.namespace,
        metricName: a.metricName,
        alarmActions: ['arn:aws:sns:eu-west-1:1:t'],
      }),
    ),
  ];
}

/** The good plan with one resource's inputs replaced (or a resource added/removed). */
function withChange(change: (plan: PlannedResource[]) => void): PlannedResource[] {
  const plan = goodPlan();
  change(plan);
  return plan;
}
const patch = (plan: PlannedResource[], name: string, inputs: Record<string, unknown>) => {
  const res = plan.find((x) => x.name === name)!;
  res.inputs = { ...res.inputs, ...inputs };
};
const drop = (plan: PlannedResource[], name: string) =>
  plan.splice(
    plan.findIndex((x) => x.name === name),
    1,
  );

describe('policy checks', () => {
  it('all pass on a compliant plan', () => {
    expect(runAllChecks(goodPlan())).toEqual([]);
  });

  it('noPublicBuckets fails without a full public access block, or with a public/unpinned grant', () => {
    expect(noPublicBuckets(withChange((p) => drop(p, 'lake-pab')))).toMatchObject([
      { message: 'no public access block' },
    ]);
    expect(
      noPublicBuckets(withChange((p) => patch(p, 'lake-pab', { restrictPublicBuckets: false })))[0].message,
    ).toContain('restrictPublicBuckets');
    expect(noPublicBuckets(withChange((p) => patch(p, 'lake', { acl: 'public-read' })))[0].message).toBe(
      'ACL public-read',
    );
    const worldRead = doc(tlsDeny, {
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 's3:GetObject',
      Resource: `${BUCKET_ARN}/*`,
    });
    expect(
      noPublicBuckets(withChange((p) => patch(p, 'lake-policy', { policy: worldRead })))[0].message,
    ).toContain('any principal');
    const unpinned = doc(tlsDeny, {
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `${BUCKET_ARN}/*`,
    });
    expect(
      noPublicBuckets(withChange((p) => patch(p, 'lake-policy', { policy: unpinned })))[0].message,
    ).toContain('AWS:SourceArn');
  });

  it('noPublicDatabases fails on a public instance or a database port open to the internet', () => {
    expect(noPublicDatabases(withChange((p) => patch(p, 'db-0', { publiclyAccessible: true })))).toHaveLength(
      1,
    );
    const open = { ingress: [{ protocol: 'tcp', fromPort: 5432, toPort: 5432, cidrBlocks: ['0.0.0.0/0'] }] };
    expect(noPublicDatabases(withChange((p) => patch(p, 'alb', open)))[0].message).toContain('5432');
    expect(
      noPublicDatabases(withChange((p) => patch(p, 'db-from-collector', { cidrIpv4: '0.0.0.0/0' }))),
    ).toHaveLength(1);
  });

  it('encryptionAtRest fails on each unencrypted store', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['hits', { encryptionType: 'NONE' }],
      ['db', { storageEncrypted: false }],
      ['dlq', { sqsManagedSseEnabled: false }],
      ['alarms', { kmsMasterKeyId: undefined }],
      ['lt', { blockDeviceMappings: [{ deviceName: '/dev/sdf', ebs: { encrypted: 'false' } }] }],
      ['wg', { configuration: { enforceWorkgroupConfiguration: false, resultConfiguration: {} } }],
    ];
    for (const [name, inputs] of cases) {
      expect(encryptionAtRest(withChange((p) => patch(p, name, inputs))).length, name).toBeGreaterThan(0);
    }
    expect(encryptionAtRest(withChange((p) => drop(p, 'lake-enc')))[0].message).toBe(
      'no default server-side encryption',
    );
  });

  it('tlsOnlyBuckets fails when the policy lacks the SecureTransport deny or the bucket has no policy', () => {
    const noDeny = doc({
      Effect: 'Allow',
      Principal: { Service: 'x.amazonaws.com' },
      Action: 's3:GetObject',
      Resource: `${BUCKET_ARN}/*`,
    });
    expect(tlsOnlyBuckets(withChange((p) => patch(p, 'lake-policy', { policy: noDeny })))).toHaveLength(1);
    const objectsOnly = doc({ ...tlsDeny, Resource: `${BUCKET_ARN}/*` });
    expect(tlsOnlyBuckets(withChange((p) => patch(p, 'lake-policy', { policy: objectsOnly })))).toHaveLength(
      1,
    );
    expect(tlsOnlyBuckets(withChange((p) => drop(p, 'lake-policy')))).toHaveLength(1);
  });

  it('imdsV2Only fails when tokens are optional', () => {
    expect(
      imdsV2Only(withChange((p) => patch(p, 'lt', { metadataOptions: { httpTokens: 'optional' } }))),
    ).toHaveLength(1);
    expect(imdsV2Only(withChange((p) => patch(p, 'lt', { metadataOptions: undefined })))).toHaveLength(1);
  });

  it('iamScopedToArns fails on wildcard actions, "*" resources outside the AWS exceptions, public trust, managed policies', () => {
    const policy = (s: object) => withChange((p) => patch(p, 'role-policy', { policy: doc(s) }));
    expect(
      iamScopedToArns(policy({ Effect: 'Allow', Action: 's3:*', Resource: BUCKET_ARN }))[0].message,
    ).toContain('wildcard action s3:*');
    expect(
      iamScopedToArns(policy({ Effect: 'Allow', Action: '*', Resource: BUCKET_ARN }))[0].message,
    ).toContain('wildcard action *');
    expect(
      iamScopedToArns(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }))[0].message,
    ).toContain('Resource "*"');
    expect(
      iamScopedToArns(
        policy({
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricData', 'kinesis:PutRecords'],
          Resource: '*',
        }),
      ),
    ).toHaveLength(1);
    expect(
      iamScopedToArns(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'lake/*' }))[0].message,
    ).toContain('not an ARN');
    const publicTrust = doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '*' } });
    expect(
      iamScopedToArns(withChange((p) => patch(p, 'role', { assumeRolePolicy: publicTrust }))),
    ).toHaveLength(1);
    const attach = r(T.rolePolicyAttachment, 'admin', {
      policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    });
    expect(iamScopedToArns(withChange((p) => p.push(attach)))[0].message).toContain('AdministratorAccess');
    // Deny statements may be broad: the TLS-only deny uses s3:* on purpose.
    expect(iamScopedToArns(policy({ Effect: 'Deny', Action: 's3:*', Resource: '*' }))).toEqual([]);
  });

  it('alarmsCoverPipeline fails when an item has no alarm or the alarm notifies no one', () => {
    const spool = requiredAlarms('alb').findIndex((a) => a.what === 'spool depth');
    const missing = alarmsCoverPipeline(withChange((p) => drop(p, `alarm-${spool}`)));
    expect(missing).toEqual([expect.objectContaining({ message: expect.stringContaining('spool depth') })]);
    const silent = alarmsCoverPipeline(withChange((p) => patch(p, 'alarm-0', { alarmActions: [] })));
    expect(silent[0].message).toContain('notifies no one');
  });

  it('alarmsCoverPipeline asks a stack behind an NLB for the collector’s request alarms instead of the ALB’s', () => {
    const nlb = r(T.loadBalancer, 'nlb', { loadBalancerType: 'network' });
    // The ALB's alarms do not cover an NLB stack: its 5xx, p99 and 4xx come from the collector.
    const messages = alarmsCoverPipeline(withChange((p) => p.push(nlb))).map((x) => x.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('alt_collector_responses_5xx_total'),
        expect.stringContaining('alt_collector_request_latency_p99_seconds'),
        expect.stringContaining('alt_collector_responses_4xx_total'),
        expect.stringContaining('AWS/NetworkELB HealthyHostCount'),
      ]),
    );
    const covered = withChange((p) => {
      p.push(nlb);
      for (const [i, a] of requiredAlarms('nlb').entries())
        p.push(
          r(T.metricAlarm, `nlb-alarm-${i}`, {
            namespace: a.namespace,
            metricName: a.metricName,
            alarmActions: ['arn:aws:sns:eu-west-1:1:t'],
          }),
        );
    });
    expect(alarmsCoverPipeline(covered)).toEqual([]);
  });

  describe('edge', () => {
    const forward = { type: 'forward', targetGroupArn: 'tg' };
    const notFound = { type: 'fixed-response', fixedResponse: { statusCode: '404' } };
    const listener = (defaultActions: object[]) =>
      r(T.listener, 'https', { protocol: 'HTTPS', defaultActions });
    const rule = (values: string[], action: object) =>
      r(T.listenerRule, `rule-${values.join()}`, {
        conditions: [{ pathPattern: { values } }],
        actions: [action],
      });

    it('operationalPathsNotPublic fails when the default action forwards, or a forwarding rule matches /metrics', () => {
      const allowList = [listener([notFound]), rule(['/v1/hits', '/b.*.js'], forward)];
      expect(operationalPathsNotPublic(allowList)).toEqual([]);
      // The 9f0db46 listener: forward everything.
      expect(operationalPathsNotPublic([listener([forward])]).map((x) => x.message)).toEqual([
        'may forward /metrics',
        'may forward /readyz',
        'may forward /healthz',
      ]);
      // A deny rule is not enough: reordered, the catch-all would forward first.
      const denyList = [listener([forward]), rule(['/metrics'], notFound)];
      expect(operationalPathsNotPublic(denyList)).not.toEqual([]);
      expect(operationalPathsNotPublic([listener([notFound]), rule(['/*'], forward)])).toHaveLength(3);
      expect(operationalPathsNotPublic([listener([notFound]), rule(['/met?ics'], forward)])).toHaveLength(1);
    });

    it('operationalPathsNotPublic lets a TLS listener forward every path only to collectors with a private port it does not reach', () => {
      const userData = (env: string) =>
        Buffer.from(`Environment=ALT_HOST=0.0.0.0 ALT_PORT=8080 ${env}\n`).toString('base64');
      const plan = (env: string, tgPort: number) => [
        r(T.listener, 'tls', {
          protocol: 'TLS',
          defaultActions: [{ type: 'forward', targetGroupArn: 'tg-arn' }],
        }),
        { ...r(T.targetGroup, 'tg', { port: tgPort, protocol: 'TCP' }, 'tg-id'), state: { arn: 'tg-arn' } },
        r(T.launchTemplate, 'lt', { userData: userData(env) }),
      ];
      expect(operationalPathsNotPublic(plan('ALT_PRIVATE_PORT=9090', 8080))).toEqual([]);
      expect(operationalPathsNotPublic(plan('', 8080)).map((x) => x.message)).toEqual([
        'forwards every path and the collectors have no private port',
      ]);
      expect(operationalPathsNotPublic(plan('ALT_PRIVATE_PORT=9090', 9090)).map((x) => x.message)).toEqual([
        "forwards to the collectors' private port 9090",
      ]);
    });

    it('wafAdmitsCollectorSizes fails while the common rule set blocks the pixel query or a batch body', () => {
      const acl = (rules: object[], scope = 'REGIONAL') => r(T.webAcl, 'waf', { scope, rules });
      expect(wafAdmitsCollectorSizes([acl(webAclRules(1000))])).toEqual([]);
      expect(wafAdmitsCollectorSizes([acl(webAclRules(1000), 'CLOUDFRONT')])).toEqual([]);
      const crs = (overrides: string[]) => ({
        name: 'crs',
        priority: 1,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            ruleActionOverrides: overrides.map((name) => ({ name, actionToUse: { count: {} } })),
          },
        },
      });
      // The 9f0db46 ACL: only the body rule counted.
      expect(wafAdmitsCollectorSizes([acl([crs(['SizeRestrictions_BODY'])])]).map((x) => x.message)).toEqual([
        expect.stringMatching(
          /^AWSManagedRulesCommonRuleSet:SizeRestrictions_QUERYSTRING blocks \/v1\/p\.gif/,
        ),
      ]);
      expect(wafAdmitsCollectorSizes([acl([crs([])])]).map((x) => x.message)).toEqual([
        expect.stringMatching(/SizeRestrictions_QUERYSTRING blocks \/v1\/p\.gif/),
        expect.stringMatching(/SizeRestrictions_BODY blocks \/v1\/hits/),
        expect.stringMatching(/SizeRestrictions_BODY blocks \/v1\/batch/),
      ]);
      // An own rule bounding the query below what the pixel carries fails too.
      const tight = {
        name: 'tight',
        priority: 9,
        action: { block: {} },
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { queryString: {} },
            comparisonOperator: 'GT',
            size: 4096,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
      };
      expect(
        wafAdmitsCollectorSizes([
          acl([crs(['SizeRestrictions_QUERYSTRING', 'SizeRestrictions_BODY']), tight]),
        ]),
      ).toHaveLength(1);
    });

    it('cdnSendsOriginHost fails when a behaviour to a custom origin forwards the viewer Host', () => {
      const dist = (policyId: string, target = 'alb') =>
        r(T.distribution, 'cdn', {
          origins: [
            { originId: 's3', domainName: 'b.s3.amazonaws.com' },
            { originId: 'alb', domainName: 'collect.example.com', customOriginConfig: {} },
          ],
          defaultCacheBehavior: { targetOriginId: 's3' },
          orderedCacheBehaviors: [
            { pathPattern: '/v1/*', targetOriginId: target, originRequestPolicyId: policyId },
          ],
        });
      expect(cdnSendsOriginHost([dist(MANAGED_ALL_VIEWER_EXCEPT_HOST_HEADER)])).toEqual([]);
      // AllViewerAndCloudFrontHeaders-2022-06 (9f0db46) and AllViewer forward Host.
      expect(cdnSendsOriginHost([dist('33f36d7e-f396-46d9-90e0-52428a34d9dc')])).toHaveLength(1);
      expect(cdnSendsOriginHost([dist('216adef6-5c7f-47e4-b989-5492eafa07d3')])).toHaveLength(1);
      // The same policy on an S3 origin behaviour is not this check's business.
      expect(cdnSendsOriginHost([dist('216adef6-5c7f-47e4-b989-5492eafa07d3', 's3')])).toEqual([]);
      const custom = r(
        T.originRequestPolicy,
        'orp',
        { headersConfig: { headerBehavior: 'whitelist', headers: { items: ['Origin', 'Host'] } } },
        'orp-id',
      );
      expect(cdnSendsOriginHost([custom, dist('orp-id')])).toHaveLength(1);
    });
  });
});
