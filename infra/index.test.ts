/** The Pulumi entry point itself: reads `alt:*` config like the engine passes it and exports the outputs. */
import { rmSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createPlaceholderArtifacts,
  installMocks,
  resolve,
  settle,
  stackTestConfig,
} from './testing/harness.ts';

const artifacts = createPlaceholderArtifacts();
afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

describe('infra/index.ts', () => {
  it('builds the dev stack from Pulumi.dev.yaml (plus the values a user sets) and exports its outputs', async () => {
    const yaml = stackTestConfig('dev');
    await installMocks('dev', yaml['aws:region']);
    pulumi.runtime.setAllConfig({ ...yaml, 'alt:artifactsDir': artifacts });
    const program = (await import('./index.ts')) as Record<string, pulumi.Input<unknown>>;
    const outputs = await resolve(pulumi.all({ ...program }));
    await settle();
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'loadBalancerDnsName',
        'alarmTopicArn',
        'athenaWorkgroup',
        'auroraEndpoint',
        'auroraSecretArn',
        'auroraClusterArn',
        'auroraDatabase',
        'beaconUrl',
        'cdnDomainName',
        'collectorGroupName',
        'collectorUrl',
        'compactFunction',
        'consolePolicyArn',
        'dashboardName',
        'dlqUrl',
        'glueDatabase',
        'lakeBucket',
        'region',
        'snowflakeRoleArn',
        'snowflakeSql',
        'streamName',
        'transformerFunction',
      ].sort(),
    );
    expect(outputs.glueDatabase).toBe('alt_dev');
    expect(outputs.beaconUrl).toBe('https://d111111abcdef8.cloudfront.net/b.js');
  });
});
