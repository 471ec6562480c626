/**
 * `current` must be what the stack creates from `Pulumi.prod.yaml` today, and the model's fixed
 * counts (endpoints, alarms, WAF rules, TTLs) what the infra code creates: when the infra changes,
 * these fail instead of the estimate drifting.
 */
import { describe, expect, it } from 'vitest';
import { STABLE_TTL_SECONDS } from '../../infra/components/beacon-cdn.ts';
import { alarmSpecs } from '../../infra/components/monitoring-alarms.ts';
import { INTERFACE_ENDPOINT_SERVICES } from '../../infra/components/network.ts';
import { COMPACTION_SCHEDULE } from '../../infra/components/transformer.ts';
import { webAclRules } from '../../infra/components/waf-rules.ts';
import { validateConfig } from '../../infra/config.ts';
import { parseValue } from '../../infra/read-config.ts';
import { stackYamlConfig } from '../../infra/testing/harness.ts';
import { ASSUMPTIONS } from './assumptions.ts';
import { estimate } from './model.ts';
import { CURRENT_ENDPOINT_SERVICES, PRESETS } from './presets.ts';

function prodConfig() {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stackYamlConfig('prod'))) {
    if (k.startsWith('alt:')) raw[k.slice(4)] = parseValue(v);
    if (k === 'aws:region') raw.region = v;
  }
  return validateConfig(
    {
      ...raw,
      certificateArn: 'arn:aws:acm:eu-west-1:210987654321:certificate/x',
      apiDomainName: 'collect.alt.test',
    },
    { checkArtifacts: false },
  );
}

describe('the current preset', () => {
  const c = prodConfig();
  const p = PRESETS.current;

  it('matches Pulumi.prod.yaml', () => {
    expect(p.availabilityZones).toBe(c.availabilityZones.length);
    expect(p.ingestThroughCdn).toBe(c.routeApiThroughCdn);
    expect(p.collector.instanceType).toBe(`ec2.${c.collector.instanceType}`);
    expect(p.collector.minSize).toBe(c.collector.minSize);
    expect(p.collector.targetRequestsPerSecond * 60).toBe(c.collector.targetRequestsPerInstance);
    expect(p.collector.spoolVolumeGiB).toBe(c.collector.spoolVolumeGiB);
    expect(p.stream.retentionHours).toBe(c.streamRetentionHours);
    expect(p.transformer).toEqual({
      memoryMb: c.transformer.memoryMb,
      batchingWindowSeconds: c.transformer.batchingWindowSeconds,
      batchSize: c.transformer.batchSize,
    });
    expect(p.aurora.minCapacity).toBe(c.aurora.minCapacity);
    expect(p.aurora.instances).toBe(c.aurora.instances);
    expect(p.lake.rawExpireDays).toBe(c.rawExpireDays);
    expect(p.lake.noncurrentVersionExpireDays).toBe(c.noncurrentVersionExpireDays);
    expect(p.logRetentionDays).toBe(c.logRetentionDays);
    expect(p.endpoints.perAz).toBe(!c.singleAzEndpoints);
  });

  it('prices the infra’s endpoints, beacon cache and on-demand stream', () => {
    expect(CURRENT_ENDPOINT_SERVICES).toEqual(INTERFACE_ENDPOINT_SERVICES);
    // The committed stack serves b.js for 60 s, so the snippet's script revalidates.
    expect(STABLE_TTL_SECONDS).toBe(60);
    expect(p.beaconHashed).toBe(false);
  });
});

describe('the model’s counts of infra resources', () => {
  it('match the infra code', () => {
    expect(ASSUMPTIONS.wafRules.value).toBe(webAclRules(20_000).length);
    // Behind either load balancer: the table's rows plus monitoring.ts's 404-spike band;
    // infra/stack-presets.test.ts counts the built alarms.
    for (const kind of ['alb', 'nlb'] as const) {
      const stack = {
        region: 'eu-west-1',
        accountId: '210987654321',
        streamName: 's',
        loadBalancer: { kind, arnSuffix: 'a', targetGroupArnSuffix: 't' },
        collectorGroupName: 'g',
        transformerFunctionName: 'f',
        compactFunctionName: 'c',
        dlqName: 'd',
        auroraClusterId: 'db',
      };
      const specs = alarmSpecs(stack);
      expect(ASSUMPTIONS.alarms.value, kind).toBe(specs.length + 1);
      // The managed certificate's renewer adds one row; the model prices one more alarm with it.
      const withRenewer = alarmSpecs({ ...stack, certificateRenewerFunctionName: 'r' });
      expect(withRenewer.length, kind).toBe(specs.length + 1);
      expect(withRenewer.map((s) => s.id)).toContain('certificate-renewal-errors');
      const alarmsPriced = (certificate: 'acm' | 'managed') =>
        estimate({ preset: 'scale', hitsPerSecond: 1, region: 'eu-west-1', certificate }).items.find(
          (i) => i.priceId === 'cloudwatch.alarm',
        )?.quantity;
      expect(alarmsPriced('acm')).toBe(specs.length + 1);
      expect(alarmsPriced('managed')).toBe(withRenewer.length + 1);
    }
    expect(COMPACTION_SCHEDULE).toBe(`rate(${60 / ASSUMPTIONS.compactionRunsPerHour.value} minutes)`);
  });
});
