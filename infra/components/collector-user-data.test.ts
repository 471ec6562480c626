/** The collector boot script is valid bash and wires the settings the collector reads. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectorUserData } from './collector-user-data.ts';

const script = collectorUserData({
  region: 'eu-west-1',
  artifactBucket: 'alt-artifacts-x',
  artifactKey: 'collector/bundle.zip',
  streamName: 'alt-prod-hits-1',
  lakeBucket: 'alt-prod-lake-1',
  databaseHost: 'db.cluster-x.eu-west-1.rds.amazonaws.com',
  databaseUser: 'alt_collector',
  asgName: 'alt-prod-collector',
  lifecycleHookName: 'drain',
  port: 8080,
  metricsNamespace: 'ALT/Collector',
  logGroupName: '/alt/collector',
  spoolMaxBytes: 1000,
  trustProxyHops: 2,
});

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
    expect(script).toContain('ExecStart=/usr/bin/node /opt/alt/collector/main.mjs');
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
    const json = script.slice(script.indexOf("alt.json <<'AGENT'\n") + 19, script.indexOf('\nAGENT\n'));
    const config = JSON.parse(json);
    const decl = config.logs.metrics_collected.prometheus.emf_processor.metric_declaration[0];
    expect(decl.metric_selectors).toContain('^alt_collector_spool_bytes$');
    expect(config.logs.metrics_collected.prometheus.emf_processor.metric_namespace).toBe('ALT/Collector');
    // The alarm's dimension comes from a static scrape label, the same on every instance of the group.
    expect(decl.dimensions).toEqual([['AutoScalingGroupName']]);
    expect(script).toContain("labels: { AutoScalingGroupName: 'alt-prod-collector' }");
  });
});
