/**
 * The collector boot script is valid bash and wires the settings the collector reads; the
 * CloudWatch agent it configures emits, without EC2 API calls, every series the alarms read.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { NLB_COLLECTOR_METRICS } from '../../collector/metric-names.ts';
import { createMetrics } from '../../collector/metrics.ts';
import { countQueries } from '../../console/aws-source.ts';
import { settle } from '../testing/harness.ts';
import { COLLECTOR_METRICS_NAMESPACE, requestsPerInstanceMetric } from './collector.ts';
import { collectorUserData, NODE_BINARY, SPOOL_DIR } from './collector-user-data.ts';

const GROUP = 'alt-prod-collector';
const input = (loadBalancer: 'alb' | 'nlb') => ({
  region: 'eu-west-1',
  artifactBucket: 'alt-artifacts-x',
  artifactKey: 'collector/bundle.zip',
  streamName: 'alt-prod-hits-1',
  lakeBucket: 'alt-prod-lake-1',
  databaseHost: 'db.cluster-x.eu-west-1.rds.amazonaws.com',
  databaseUser: 'alt_collector',
  asgName: GROUP,
  lifecycleHookName: 'drain',
  port: 8080,
  privatePort: 9090,
  loadBalancer,
  metricsNamespace: COLLECTOR_METRICS_NAMESPACE,
  logGroupName: '/alt/collector',
  spoolMaxBytes: 1000,
  trustProxyHops: loadBalancer === 'nlb' ? 0 : 2,
});

// biome-ignore lint/suspicious/noExplicitAny: the agent's JSON and the scrape YAML, shaped by the assertions
type Json = any;

/** A boot script with its agent config and Prometheus scrape config parsed. */
function parse(script: string) {
  const heredoc = (marker: string) => {
    const start = script.indexOf(`<<'${marker}'\n`) + marker.length + 5;
    return script.slice(start, script.indexOf(`\n${marker}\n`, start));
  };
  const agentJson = heredoc('AGENT');
  return {
    script,
    agentJson,
    agent: JSON.parse(agentJson) as Json,
    scrape: (createRequire(import.meta.url)('js-yaml') as { load(t: string): unknown }).load(
      heredoc('PROM'),
    ) as Json,
  };
}
type Parsed = ReturnType<typeof parse>;
const behindAlb = parse(collectorUserData(input('alb')));
const behindNlb = parse(collectorUserData(input('nlb')));
const { script, agentJson, agent } = behindAlb;

/**
 * The agent's placeholders it fills from instance metadata (reachable from every instance). Any
 * other `${aws:*}` (AutoScalingGroupName) is looked up with ec2:DescribeTags, which these hosts
 * can neither call (no permission) nor reach (no NAT, no EC2 endpoint in the VPC).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html
 */
const FROM_METADATA: Record<string, string> = {
  '${aws:InstanceId}': 'i-0abc',
  '${aws:ImageId}': 'ami-0abc',
  '${aws:InstanceType}': 'c7g.large',
};

interface Series {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}
const pick = (o: Record<string, string>, keys: string[]) =>
  Object.fromEntries(keys.map((k) => [k, o[k] as string]));

/**
 * The series the agent publishes from this config, by its documented rules: `<plugin>_<measurement>`
 * with the plugin's own dimensions plus the appended ones, one roll-up per aggregation_dimensions
 * entry; and, from the Prometheus scrape, each metric the collector exposes that a declaration
 * selects, with that declaration's dimension sets taken from the scrape labels.
 */
function agentSeries(exposition: string, { agent, scrape }: Parsed = behindAlb): Series[] {
  const fill = (dims: Record<string, string> = {}) =>
    Object.fromEntries(
      Object.entries(dims).map(([k, v]) => {
        if (!v.includes('${aws:')) return [k, v];
        const value = FROM_METADATA[v];
        if (value === undefined) throw new Error(`${k}: ${v} needs ec2:DescribeTags`);
        return [k, value];
      }),
    );
  const m = agent.metrics;
  const own: Record<string, Record<string, string>> = {
    disk: { path: SPOOL_DIR, device: 'nvme1n1', fstype: 'xfs' },
    mem: {},
  };
  const out: Series[] = [];
  for (const [plugin, spec] of Object.entries<{
    measurement: string[];
    append_dimensions?: Record<string, string>;
  }>(m.metrics_collected)) {
    expect(own, `a model of the ${plugin} plugin's dimensions`).toHaveProperty(plugin);
    const dimensions = { ...own[plugin], ...fill(m.append_dimensions), ...fill(spec.append_dimensions) };
    for (const measurement of spec.measurement) {
      const metricName = `${plugin}_${measurement}`;
      out.push({ namespace: m.namespace, metricName, dimensions });
      for (const keys of m.aggregation_dimensions as string[][])
        if (keys.every((k) => k in dimensions))
          out.push({ namespace: m.namespace, metricName, dimensions: pick(dimensions, keys) });
    }
  }
  const emf = agent.logs.metrics_collected.prometheus.emf_processor;
  const exposed = [...exposition.matchAll(/^# TYPE (\S+) (gauge|counter)$/gm)].map((x) => x[1] as string);
  for (const job of scrape.scrape_configs)
    for (const sc of job.static_configs)
      for (const target of sc.targets) {
        const labels: Record<string, string> = { job: job.job_name, instance: target, ...sc.labels };
        for (const decl of emf.metric_declaration) {
          const source = (decl.source_labels as string[]).map((l) => labels[l] ?? '').join(';');
          if (!new RegExp(decl.label_matcher).test(source)) continue;
          for (const metricName of exposed)
            if ((decl.metric_selectors as string[]).some((sel) => new RegExp(sel).test(metricName)))
              for (const keys of decl.dimensions as string[][])
                if (keys.every((k) => k in labels))
                  out.push({ namespace: emf.metric_namespace, metricName, dimensions: pick(labels, keys) });
        }
      }
  return out;
}

describe('collectorUserData', () => {
  it('parses as bash (bash -n)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alt-ud-'));
    try {
      const file = path.join(dir, 'user-data.sh');
      writeFileSync(file, script);
      expect(() => execFileSync('bash', ['-n', file], { stdio: 'pipe' })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the collector under systemd with restart, Kinesis, the spool cap and its database role', () => {
    expect(script).toContain('Restart=always');
    expect(script).toContain('ALT_STREAM=kinesis ALT_KINESIS_STREAM=alt-prod-hits-1');
    expect(script).toContain('ALT_SPOOL_MAX_BYTES=1000 ALT_TRUST_PROXY_HOPS=2');
    expect(script).toContain(
      'ALT_DATABASE_HOST=db.cluster-x.eu-west-1.rds.amazonaws.com ALT_DATABASE_USER=alt_collector',
    );
    // No password in the environment or on disk, and not the master secret: an IAM token per connection.
    expect(script).not.toContain('DATABASE_URL');
    expect(script).not.toContain('SECRET_ARN');
    expect(script).not.toContain('ALT_DATABASE_TLS');
    expect(script).toContain(`ExecStart=${NODE_BINARY} /opt/alt/collector/main.mjs`);
  });

  it('serves the operational routes on the private port only, where the agent scrapes them', () => {
    for (const { script, scrape } of [behindAlb, behindNlb]) {
      expect(script).toContain('ALT_HOST=0.0.0.0 ALT_PORT=8080 ALT_PRIVATE_PORT=9090');
      expect(scrape.scrape_configs[0].static_configs[0].targets).toEqual(['127.0.0.1:9090']);
    }
  });

  it('behind an NLB trusts no X-Forwarded-For hop and ships the request metrics the ALB would measure', () => {
    expect(behindNlb.script).toContain('ALT_TRUST_PROXY_HOPS=0\n');
    const selectors = (p: Parsed) =>
      p.agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration[0].metric_selectors;
    for (const name of NLB_COLLECTOR_METRICS) {
      expect(selectors(behindNlb)).toContain(`^${name}$`);
      // Behind the ALB they would duplicate its own metrics, at $0.30 each a month.
      expect(selectors(behindAlb)).not.toContain(`^${name}$`);
    }
  });

  it('drains on scale-in with IMDSv2 tokens before completing the lifecycle action', () => {
    const drain = script.slice(script.indexOf('cat > /opt/alt/drain.sh'));
    expect(drain).toContain('X-aws-ec2-metadata-token');
    expect(drain.indexOf('systemctl stop alt-collector')).toBeLessThan(
      drain.indexOf('complete-lifecycle-action'),
    );
    expect(drain).toContain("--auto-scaling-group-name 'alt-prod-collector'");
  });

  it('gives the CloudWatch agent a valid JSON config that exports the spool metric', () => {
    const decl = agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration[0];
    expect(decl.metric_selectors).toContain('^alt_collector_spool_bytes$');
    expect(agent.logs.metrics_collected.prometheus.emf_processor.metric_namespace).toBe('ALT/Collector');
    // The alarm's dimension comes from a static scrape label, the same on every instance of the group.
    expect(decl.dimensions).toEqual([['AutoScalingGroupName']]);
    expect(script).toContain(`labels: { AutoScalingGroupName: '${GROUP}' }`);
  });

  it('ships the hit counters `alt console --stack` reads, under the dimensions it asks for', async () => {
    const series = agentSeries(await createMetrics().registry.metrics());
    for (const q of countQueries({ collectorGroupName: GROUP })) {
      const m = q.MetricStat?.Metric;
      expect(series).toContainEqual({
        namespace: m?.Namespace,
        metricName: m?.MetricName,
        dimensions: Object.fromEntries((m?.Dimensions ?? []).map((d) => [d.Name, d.Value])),
      });
    }
  });

  it('names the group in the agent config itself: no dimension waits on ec2:DescribeTags', async () => {
    const placeholders = [...agentJson.matchAll(/\$\{aws:\w+\}/g)].map((x) => x[0]);
    for (const p of placeholders) expect(Object.keys(FROM_METADATA), p).toContain(p);
    // Host metrics still roll up per group, as the dashboard and an operator read them.
    const series = agentSeries(await createMetrics().registry.metrics());
    for (const metricName of ['disk_used_percent', 'mem_used_percent'])
      expect(series).toContainEqual({
        namespace: COLLECTOR_METRICS_NAMESPACE,
        metricName,
        dimensions: { AutoScalingGroupName: GROUP },
      });
  });
});

describe('the alarms, the dashboard, the scaling policy and the agent', () => {
  const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource(a) {
          registered.push({ type: a.type, name: a.name, inputs: a.inputs });
          return { id: `${a.name}-id`, state: { ...a.inputs, arn: `arn:aws:x:eu-west-1:1:${a.name}` } };
        },
        call(a) {
          throw new Error(`unmocked call ${a.token}`);
        },
      },
      'alt',
      'prod',
      false,
    );
    const { Monitoring } = await import('./monitoring.ts');
    for (const kind of ['alb', 'nlb'] as const)
      new Monitoring(`alt-${kind}-monitoring`, {
        region: 'eu-west-1',
        accountId: '123456789012',
        streamName: 'alt-prod-hits-1',
        loadBalancer: {
          kind,
          arnSuffix: `${kind === 'alb' ? 'app' : 'net'}/alt/1`,
          targetGroupArnSuffix: 'targetgroup/alt/2',
        },
        collectorGroupName: GROUP,
        transformerFunctionName: 'alt-prod-transformer',
        compactFunctionName: 'alt-prod-transformer-compact',
        dlqName: 'alt-prod-dlq',
        auroraClusterId: 'alt-prod-aurora',
      });
    await settle();
  });

  /** What `kind`'s alarms and dashboard read from the collector's namespace. */
  function readBy(kind: 'alb' | 'nlb'): Series[] {
    const mine = registered.filter((r) => r.name.startsWith(`alt-${kind}-monitoring`));
    const read: Series[] = mine
      .filter((r) => r.type === 'aws:cloudwatch/metricAlarm:MetricAlarm')
      .flatMap((r) => [
        r.inputs as Record<string, unknown>,
        ...((r.inputs.metricQueries as { metric?: Record<string, unknown> }[] | undefined) ?? []).map(
          (q) => q.metric ?? {},
        ),
      ])
      .filter((m) => m.namespace === COLLECTOR_METRICS_NAMESPACE)
      .map((m) => ({
        namespace: m.namespace as string,
        metricName: m.metricName as string,
        dimensions: m.dimensions as Record<string, string>,
      }));
    expect(read.length, 'alarms on the collector namespace').toBeGreaterThan(0);
    const dashboard = mine.find((r) => r.type === 'aws:cloudwatch/dashboard:Dashboard');
    const body = JSON.parse(dashboard?.inputs.dashboardBody as string);
    for (const w of body.widgets)
      for (const row of w.properties.metrics as unknown[][]) {
        if (row[0] !== COLLECTOR_METRICS_NAMESPACE) continue;
        const pairs = row.slice(2).filter((x) => typeof x === 'string') as string[];
        const dimensions = Object.fromEntries(
          pairs.flatMap((x, i) => (i % 2 === 0 ? [[x, pairs[i + 1] as string]] : [])),
        );
        read.push({ namespace: row[0] as string, metricName: row[1] as string, dimensions });
      }
    return read;
  }

  it('every alarm and dashboard metric in the collector namespace is a series the agent emits', async () => {
    const exposition = await createMetrics().registry.metrics();
    // CloudWatch matches a metric by its exact dimension set: a missing or extra one reads nothing.
    for (const [kind, parsed] of [
      ['alb', behindAlb],
      ['nlb', behindNlb],
    ] as const) {
      const series = agentSeries(exposition, parsed);
      for (const r of readBy(kind))
        expect(series, `${kind}: ${r.metricName} ${JSON.stringify(r.dimensions)}`).toContainEqual(r);
    }
  });

  it('behind an NLB the request alarms watch the collector’s own metrics, and scaling its request rate', async () => {
    const watched = readBy('nlb').map((r) => r.metricName);
    for (const name of [
      'alt_collector_responses_5xx_total',
      'alt_collector_responses_4xx_total',
      'alt_collector_request_latency_p99_seconds',
    ])
      expect(watched).toContain(name);
    const series = agentSeries(await createMetrics().registry.metrics(), behindNlb);
    const spec = requestsPerInstanceMetric(GROUP);
    const stats = (spec.metrics as { metricStat?: { metric: Record<string, unknown> } }[]).flatMap((m) =>
      m.metricStat ? [m.metricStat.metric] : [],
    );
    const own = stats.filter((m) => m.namespace === COLLECTOR_METRICS_NAMESPACE);
    expect(own).toHaveLength(1);
    for (const m of own)
      expect(series).toContainEqual({
        namespace: m.namespace,
        metricName: m.metricName,
        dimensions: Object.fromEntries(
          (m.dimensions as { name: string; value: string }[]).map((d) => [d.name, d.value]),
        ),
      });
  });
});
