/**
 * Policy checks as plain functions over planned resources: each returns the violations it finds
 * (empty = pass). The stack tests run them over both stacks; their own tests feed each one a
 * deliberately bad resource to prove it can fail.
 */

import { COLLECTOR_METRICS } from '../../collector/metric-names.ts';
import { LIMITS } from '../../schemas/wire.ts';
import { HOST_FORWARDING_ORIGIN_REQUEST_POLICIES } from '../components/beacon-cdn.ts';
import { COLLECTOR_METRICS_NAMESPACE } from '../components/collector.ts';
import { STAR_RESOURCE_ACTIONS } from '../components/iam.ts';
import { PIXEL_PATH, PIXEL_QUERY_MAX_BYTES } from '../components/waf-rules.ts';
import { mayForward, type WafRequest, wafSizeBlock } from './edge-rules.ts';
import {
  asList,
  ofType,
  type PlannedResource,
  type PolicyStatement,
  statementsOf,
  T,
  type Violation,
} from './resources.ts';

type Check = (rs: PlannedResource[]) => Violation[];
const v = (policy: string, r: PlannedResource, message: string): Violation => ({
  policy,
  resource: `${r.type}::${r.name}`,
  message,
});
const refersTo = (r: PlannedResource, bucket: PlannedResource) =>
  r.inputs.bucket === (bucket.id ?? bucket.name);
const isPublicPrincipal = (p: unknown) =>
  p === '*' ||
  (typeof p === 'object' &&
    p !== null &&
    asList((p as Record<string, unknown>).AWS as string | string[]).includes('*'));

/** Every bucket blocks public access; no ACL or policy grants the world; service readers are pinned to a source. */
export const noPublicBuckets: Check = (rs) => {
  const out: Violation[] = [];
  for (const b of ofType(rs, T.bucket)) {
    const pab = ofType(rs, T.publicAccessBlock).find((p) => refersTo(p, b));
    const flags = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'];
    if (!pab) out.push(v('no-public-buckets', b, 'no public access block'));
    else
      for (const f of flags)
        if (pab.inputs[f] !== true)
          out.push(v('no-public-buckets', b, `public access block ${f} is not true`));
    if (typeof b.inputs.acl === 'string' && b.inputs.acl.startsWith('public'))
      out.push(v('no-public-buckets', b, `ACL ${b.inputs.acl}`));
  }
  for (const p of ofType(rs, T.bucketPolicy)) {
    for (const s of statementsOf(p.inputs.policy)) {
      if (s.Effect !== 'Allow') continue;
      if (isPublicPrincipal(s.Principal))
        out.push(v('no-public-buckets', p, `statement ${s.Sid ?? '?'} allows any principal`));
      const service = (s.Principal as { Service?: unknown } | undefined)?.Service;
      if (
        service &&
        !s.Condition?.StringEquals?.['AWS:SourceArn'] &&
        !s.Condition?.ArnLike?.['AWS:SourceArn']
      ) {
        out.push(
          v(
            'no-public-buckets',
            p,
            `statement ${s.Sid ?? '?'} lets ${String(service)} read without an AWS:SourceArn condition`,
          ),
        );
      }
    }
  }
  return out;
};

/** No database instance is publicly accessible, and nothing but HTTP(S) is open to the internet. */
export const noPublicDatabases: Check = (rs) => {
  const out: Violation[] = [];
  for (const r of [...ofType(rs, T.rdsClusterInstance), ...ofType(rs, T.rdsInstance)]) {
    if (r.inputs.publiclyAccessible !== false)
      out.push(v('no-public-databases', r, 'publiclyAccessible is not false'));
  }
  const openPorts = (from: unknown, to: unknown) => !(from === to && (from === 443 || from === 80));
  for (const sg of ofType(rs, T.securityGroup)) {
    for (const rule of asList(sg.inputs.ingress as Record<string, unknown>[] | undefined)) {
      const world = [...asList(rule.cidrBlocks as string[]), ...asList(rule.ipv6CidrBlocks as string[])].some(
        (c) => c === '0.0.0.0/0' || c === '::/0',
      );
      if (world && openPorts(rule.fromPort, rule.toPort)) {
        out.push(v('no-public-databases', sg, `ports ${rule.fromPort}-${rule.toPort} open to the internet`));
      }
    }
  }
  for (const rule of ofType(rs, T.ingressRule)) {
    const world = rule.inputs.cidrIpv4 === '0.0.0.0/0' || rule.inputs.cidrIpv6 === '::/0';
    if (world && openPorts(rule.inputs.fromPort, rule.inputs.toPort)) {
      out.push(v('no-public-databases', rule, `port ${rule.inputs.fromPort} open to the internet`));
    }
  }
  return out;
};

/** Buckets, streams, databases, queues, topics, volumes and query results are encrypted at rest. */
export const encryptionAtRest: Check = (rs) => {
  const out: Violation[] = [];
  const p = 'encryption-at-rest';
  for (const b of ofType(rs, T.bucket)) {
    const enc = ofType(rs, T.bucketEncryption).find((e) => refersTo(e, b));
    const algo = (
      enc?.inputs.rules as { applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }[] | undefined
    )?.[0]?.applyServerSideEncryptionByDefault?.sseAlgorithm;
    if (algo !== 'aws:kms' && algo !== 'AES256' && algo !== 'aws:kms:dsse')
      out.push(v(p, b, 'no default server-side encryption'));
  }
  for (const s of ofType(rs, T.stream))
    if (s.inputs.encryptionType !== 'KMS' || !s.inputs.kmsKeyId)
      out.push(v(p, s, 'stream is not KMS-encrypted'));
  for (const c of ofType(rs, T.rdsCluster))
    if (c.inputs.storageEncrypted !== true) out.push(v(p, c, 'storageEncrypted is not true'));
  for (const q of ofType(rs, T.queue))
    if (q.inputs.sqsManagedSseEnabled !== true && !q.inputs.kmsMasterKeyId)
      out.push(v(p, q, 'queue is not encrypted'));
  for (const t of ofType(rs, T.topic))
    if (!t.inputs.kmsMasterKeyId) out.push(v(p, t, 'topic has no KMS key'));
  for (const lt of ofType(rs, T.launchTemplate)) {
    const bdms = asList(
      lt.inputs.blockDeviceMappings as { deviceName?: string; ebs?: { encrypted?: string } }[],
    );
    if (bdms.length === 0)
      out.push(v(p, lt, 'no block device mappings: the AMI default volume may be unencrypted'));
    for (const d of bdms)
      if (d.ebs?.encrypted !== 'true') out.push(v(p, lt, `volume ${d.deviceName} is not encrypted`));
  }
  for (const w of ofType(rs, T.workgroup)) {
    const cfg = w.inputs.configuration as
      | {
          enforceWorkgroupConfiguration?: boolean;
          resultConfiguration?: { encryptionConfiguration?: { encryptionOption?: string } };
        }
      | undefined;
    if (!cfg?.resultConfiguration?.encryptionConfiguration?.encryptionOption)
      out.push(v(p, w, 'query results are not encrypted'));
    if (cfg?.enforceWorkgroupConfiguration !== true)
      out.push(v(p, w, 'clients may override the result encryption'));
  }
  return out;
};

/** Every bucket's policy denies requests without TLS, for the bucket and its objects. */
export const tlsOnlyBuckets: Check = (rs) => {
  const out: Violation[] = [];
  for (const b of ofType(rs, T.bucket)) {
    const pol = ofType(rs, T.bucketPolicy).find((p) => refersTo(p, b));
    const denies = pol
      ? statementsOf(pol.inputs.policy).some(
          (s) =>
            s.Effect === 'Deny' &&
            String(s.Condition?.Bool?.['aws:SecureTransport']) === 'false' &&
            asList(s.Action).some((a) => a === 's3:*') &&
            asList(s.Resource).some((r) => r.endsWith('/*')) &&
            asList(s.Resource).some((r) => !r.endsWith('/*')),
        )
      : false;
    if (!denies)
      out.push(
        v(
          'tls-only',
          b,
          'bucket policy does not deny aws:SecureTransport=false on the bucket and its objects',
        ),
      );
  }
  return out;
};

/** Instances only answer IMDSv2 (session tokens), which blunts SSRF credential theft. */
export const imdsV2Only: Check = (rs) => {
  const out: Violation[] = [];
  for (const r of [...ofType(rs, T.launchTemplate), ...ofType(rs, T.instance)]) {
    const md = r.inputs.metadataOptions as
      | { httpTokens?: string; httpPutResponseHopLimit?: number }
      | undefined;
    if (md?.httpTokens !== 'required')
      out.push(v('imdsv2', r, 'metadataOptions.httpTokens is not "required"'));
  }
  return out;
};

/**
 * Identity policies allow named actions on ARNs only. `Resource: "*"` is accepted only when every
 * action in the statement is one AWS does not scope (`STAR_RESOURCE_ACTIONS`). Managed policy
 * attachments are refused: their contents cannot be checked here.
 */
export const iamScopedToArns: Check = (rs) => {
  const out: Violation[] = [];
  const p = 'iam-scoped';
  const checkStatements = (r: PlannedResource, statements: PolicyStatement[]) => {
    for (const s of statements) {
      if (s.Effect !== 'Allow') continue;
      const actions = asList(s.Action);
      const label = s.Sid ?? actions.join(',');
      if (s.NotAction || s.NotResource) out.push(v(p, r, `${label}: NotAction/NotResource in an Allow`));
      for (const a of actions)
        if (a === '*' || a.endsWith(':*')) out.push(v(p, r, `${label}: wildcard action ${a}`));
      for (const res of asList(s.Resource)) {
        if (res === '*') {
          const allowed = actions.every((a) => (STAR_RESOURCE_ACTIONS as readonly string[]).includes(a));
          if (!allowed) out.push(v(p, r, `${label}: Resource "*" for ${actions.join(', ')}`));
        } else if (!res.startsWith('arn:')) out.push(v(p, r, `${label}: resource ${res} is not an ARN`));
      }
    }
  };
  for (const r of [...ofType(rs, T.rolePolicy), ...ofType(rs, T.policy), ...ofType(rs, T.bucketPolicy)]) {
    checkStatements(r, statementsOf(r.inputs.policy));
  }
  for (const r of ofType(rs, T.role)) {
    for (const s of statementsOf(r.inputs.assumeRolePolicy)) {
      if (s.Effect === 'Allow' && isPublicPrincipal(s.Principal))
        out.push(v(p, r, 'any principal may assume the role'));
    }
    for (const inline of asList(r.inputs.inlinePolicies as { policy?: string }[])) {
      if (inline.policy) checkStatements(r, statementsOf(inline.policy));
    }
  }
  for (const r of ofType(rs, T.rolePolicyAttachment))
    out.push(v(p, r, `managed policy ${String(r.inputs.policyArn)} attached`));
  return out;
};

interface RequiredAlarm {
  what: string;
  namespace: string;
  metricName: string;
}

/** The alarms DESIGN §9 and the infra issue ask for, by metric, whatever the load balancer. */
const PIPELINE_ALARMS: RequiredAlarm[] = [
  {
    what: 'Kinesis iterator age',
    namespace: 'AWS/Kinesis',
    metricName: 'GetRecords.IteratorAgeMilliseconds',
  },
  {
    what: 'Kinesis write throttles',
    namespace: 'AWS/Kinesis',
    metricName: 'WriteProvisionedThroughputExceeded',
  },
  { what: 'spool depth', namespace: COLLECTOR_METRICS_NAMESPACE, metricName: COLLECTOR_METRICS.spoolBytes },
  { what: 'DLQ depth', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' },
  { what: 'Lambda errors', namespace: 'AWS/Lambda', metricName: 'Errors' },
  { what: 'Lambda throttles', namespace: 'AWS/Lambda', metricName: 'Throttles' },
  { what: 'Aurora capacity', namespace: 'AWS/RDS', metricName: 'ACUUtilization' },
];

/**
 * The edge's: the ALB's own metrics, or behind an NLB (no HTTP metrics) the collector's, which its
 * CloudWatch agent ships (collector/metric-names.ts `NLB_COLLECTOR_METRICS`).
 */
const EDGE_ALARMS: Record<'alb' | 'nlb', RequiredAlarm[]> = {
  alb: [
    { what: 'ALB 5xx', namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_ELB_5XX_Count' },
    { what: 'collector 5xx', namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count' },
    { what: 'target p99 latency', namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime' },
    { what: '404 spikes', namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_4XX_Count' },
    { what: 'unhealthy hosts', namespace: 'AWS/ApplicationELB', metricName: 'UnHealthyHostCount' },
  ],
  nlb: [
    { what: 'no healthy host', namespace: 'AWS/NetworkELB', metricName: 'HealthyHostCount' },
    {
      what: 'collector 5xx',
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.responses5xx,
    },
    {
      what: 'collector p99 latency',
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.requestLatencyP99,
    },
    {
      what: '404 spikes',
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.responses4xx,
    },
    { what: 'unhealthy hosts', namespace: 'AWS/NetworkELB', metricName: 'UnHealthyHostCount' },
  ],
};

/** What a stack behind `kind` must alarm on. */
export const requiredAlarms = (kind: 'alb' | 'nlb'): RequiredAlarm[] => [
  ...PIPELINE_ALARMS,
  ...EDGE_ALARMS[kind],
];

/** The stack's public load balancer kind, from the planned load balancer (ALB when none is planned). */
const loadBalancerKind = (rs: PlannedResource[]): 'alb' | 'nlb' =>
  ofType(rs, T.loadBalancer).some((lb) => lb.inputs.loadBalancerType === 'network') ? 'nlb' : 'alb';

/** Every required metric has an alarm that notifies someone. */
export const alarmsCoverPipeline: Check = (rs) => {
  const alarms = ofType(rs, T.metricAlarm);
  const metricsOf = (a: PlannedResource) => [
    { namespace: a.inputs.namespace, metricName: a.inputs.metricName },
    ...asList(a.inputs.metricQueries as { metric?: { namespace?: string; metricName?: string } }[]).map(
      (q) => ({
        namespace: q.metric?.namespace,
        metricName: q.metric?.metricName,
      }),
    ),
  ];
  const out: Violation[] = [];
  for (const req of requiredAlarms(loadBalancerKind(rs))) {
    const found = alarms.find((a) =>
      metricsOf(a).some((m) => m.namespace === req.namespace && m.metricName === req.metricName),
    );
    const stack: PlannedResource = { type: 'pulumi:pulumi:Stack', name: 'stack', inputs: {} };
    if (!found) out.push(v('alarms', stack, `no alarm for ${req.what} (${req.namespace} ${req.metricName})`));
    else if (asList(found.inputs.alarmActions as string[]).length === 0)
      out.push(v('alarms', found, `alarm for ${req.what} notifies no one`));
  }
  return out;
};

/** Collector paths that are for the operator (or the load balancer's health check), never the internet. */
export const OPERATIONAL_PATHS = ['/metrics', '/readyz', '/healthz'];

/** The private port collectors are started with (`ALT_PRIVATE_PORT` in their boot script), if any. */
function collectorPrivatePorts(rs: PlannedResource[]): (number | undefined)[] {
  return ofType(rs, T.launchTemplate).map((lt) => {
    const script = Buffer.from(String(lt.inputs.userData ?? ''), 'base64').toString('utf8');
    const m = /\bALT_PRIVATE_PORT=(\d+)\b/.exec(script);
    return m ? Number(m[1]) : undefined;
  });
}

/**
 * No listener can forward an operational path. An HTTPS/HTTP listener (ALB), whatever the order of
 * its rules: the default action never forwards, and no forwarding rule's path patterns match one of
 * them. A TLS/TCP listener (NLB) forwards every path, so there the collectors must serve them on a
 * private port only (`ALT_PRIVATE_PORT`), which no target group a listener forwards to uses.
 */
export const operationalPathsNotPublic: Check = (rs) => {
  const rules = ofType(rs, T.listenerRule).map((r) => ({
    conditions: asList(r.inputs.conditions as Record<string, unknown>[]),
    actions: asList(r.inputs.actions as Record<string, unknown>[]),
  }));
  const groups = new Map(ofType(rs, T.targetGroup).map((g) => [g.state?.arn ?? g.id, g]));
  const out: Violation[] = [];
  for (const l of ofType(rs, T.listener)) {
    const defaults = asList(l.inputs.defaultActions as Record<string, unknown>[]);
    if (l.inputs.protocol === 'TLS' || l.inputs.protocol === 'TCP') {
      const forwarded = defaults
        .filter((a) => a.type === 'forward')
        .map((a) => groups.get(a.targetGroupArn as string));
      for (const privatePort of collectorPrivatePorts(rs)) {
        if (privatePort === undefined) {
          out.push(v('operational-paths', l, `forwards every path and the collectors have no private port`));
          continue;
        }
        for (const g of forwarded)
          if (!g || Number(g.inputs.port) === privatePort)
            out.push(v('operational-paths', l, `forwards to the collectors' private port ${privatePort}`));
      }
      continue;
    }
    for (const path of OPERATIONAL_PATHS)
      if (mayForward(defaults, rules, path)) out.push(v('operational-paths', l, `may forward ${path}`));
  }
  return out;
};

/**
 * The largest request the collector accepts on each route that carries a size: the pixel's query
 * (its wire schema at its longest, URL-encoded) and the `/v1/hits` and `/v1/batch` bodies.
 */
export const COLLECTOR_LARGEST_REQUESTS: WafRequest[] = [
  { path: PIXEL_PATH, queryBytes: PIXEL_QUERY_MAX_BYTES, bodyBytes: 0 },
  { path: '/v1/hits', queryBytes: 0, bodyBytes: LIMITS.hitsBodyBytes },
  { path: '/v1/batch', queryBytes: 0, bodyBytes: LIMITS.batchBodyBytes },
];

/** No web ACL blocks, by its size rules, a request the collector would accept. */
export const wafAdmitsCollectorSizes: Check = (rs) =>
  ofType(rs, T.webAcl).flatMap((acl) =>
    COLLECTOR_LARGEST_REQUESTS.flatMap((req) => {
      const rule = wafSizeBlock(acl.inputs, req);
      return rule
        ? [
            v(
              'waf-sizes',
              acl,
              `${rule} blocks ${req.path} (query ${req.queryBytes} B, body ${req.bodyBytes} B)`,
            ),
          ]
        : [];
    }),
  );

/**
 * A CloudFront behaviour that reaches a custom origin (the ALB) does not forward the viewer's Host:
 * CloudFront validates the origin's certificate against the Host it sends, and the ALB's
 * certificate names the origin domain, not the viewer's.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html
 */
export const cdnSendsOriginHost: Check = (rs) => {
  const out: Violation[] = [];
  const customPolicies = new Map(ofType(rs, T.originRequestPolicy).map((p) => [p.id ?? p.name, p]));
  for (const d of ofType(rs, T.distribution)) {
    const origins = asList(d.inputs.origins as Record<string, unknown>[]);
    const custom = new Set(origins.filter((o) => o.customOriginConfig).map((o) => o.originId as string));
    const behaviours = [
      d.inputs.defaultCacheBehavior as Record<string, unknown>,
      ...asList(d.inputs.orderedCacheBehaviors as Record<string, unknown>[]),
    ];
    for (const b of behaviours.filter((x) => x && custom.has(x.targetOriginId as string))) {
      const id = b.originRequestPolicyId as string | undefined;
      const policy = id ? customPolicies.get(id) : undefined;
      const headers = policy?.inputs.headersConfig as
        | { headerBehavior?: string; headers?: { items?: string[] } }
        | undefined;
      const forwardsHost =
        (id !== undefined && HOST_FORWARDING_ORIGIN_REQUEST_POLICIES.includes(id)) ||
        headers?.headerBehavior === 'allViewer' ||
        headers?.headerBehavior === 'allViewerAndWhitelistCloudFront' ||
        (headers?.headerBehavior === 'whitelist' &&
          asList(headers.headers?.items).some((h) => h.toLowerCase() === 'host'));
      if (forwardsHost)
        out.push(
          v(
            'cdn-origin-host',
            d,
            `${String(b.pathPattern ?? 'default')} forwards the viewer's Host to ${String(b.targetOriginId)}`,
          ),
        );
    }
  }
  return out;
};

export const ALL_CHECKS = {
  noPublicBuckets,
  noPublicDatabases,
  encryptionAtRest,
  tlsOnlyBuckets,
  imdsV2Only,
  iamScopedToArns,
  alarmsCoverPipeline,
  operationalPathsNotPublic,
  wafAdmitsCollectorSizes,
  cdnSendsOriginHost,
};

export function runAllChecks(rs: PlannedResource[]): Violation[] {
  return Object.values(ALL_CHECKS).flatMap((check) => check(rs));
}
