/**
 * The Snowflake second pass on one stack: the same dev config deployed first with only the
 * database, schema and external id, then with the principal and queue Snowflake reported. Two
 * program runs, one after the other, each under its own mock monitor.
 */
import { rmSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, describe, expect, it } from 'vitest';
import { statementsOf, T } from './policies/resources.ts';
import { readStackConfig } from './read-config.ts';
import { createStack } from './stack.ts';
import {
  ACCOUNT_ID,
  createPlaceholderArtifacts,
  type GraphNode,
  installMocks,
  type ResourceGraph,
  resolve,
  settle,
  stackTestConfig,
  TEST_SNOWFLAKE,
} from './testing/harness.ts';

const artifacts = createPlaceholderArtifacts();
afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

async function deploy(extra: Record<string, unknown>): Promise<{ graph: ResourceGraph; sql: string }> {
  const config = stackTestConfig('dev', extra);
  const run = await installMocks('dev', config['aws:region'] as string);
  pulumi.runtime.setAllConfig({ ...config, 'alt:artifactsDir': artifacts });
  const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));
  const sql = await resolve(stack.outputs.snowflakeSql as pulumi.Input<string>);
  await settle();
  return { graph: run.graph, sql };
}

const under = (g: ResourceGraph, type: string, component: string) =>
  g.ofType(type).filter((n) => g.ancestors(n).some((a) => a.type === component));
const trustOf = (g: ResourceGraph) => {
  const [role] = under(g, T.role, 'alt:snowflake:SnowflakeIntegration') as [GraphNode];
  return statementsOf(role.inputs.assumeRolePolicy);
};

describe('Snowflake in two passes on the dev stack', () => {
  it('first pass: role trusting only this account, no notification; second pass: trust and notifications on', async () => {
    const first = await deploy({});
    expect(trustOf(first.graph)).toEqual([
      expect.objectContaining({ Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` } }),
    ]);
    expect(first.graph.ofType('aws:s3/bucketNotification:BucketNotification')).toEqual([]);
    // The SQL to run between the passes already names the role and the pinned external id.
    expect(first.sql).toMatch(/STORAGE_AWS_ROLE_ARN = 'arn:aws:iam:[^']*snowflake-role'/);
    expect(first.sql).toContain("STORAGE_AWS_EXTERNAL_ID = 'alt-dev-snowflake-0001'");

    const second = await deploy({ snowflake: TEST_SNOWFLAKE });
    const trust = trustOf(second.graph);
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({
      Principal: { AWS: TEST_SNOWFLAKE.principalArn },
      Condition: { StringEquals: { 'sts:ExternalId': 'alt-dev-snowflake-0001' } },
    });
    const [lake] = under(second.graph, T.bucket, 'alt:lake:Lake') as [GraphNode];
    const notifications = second.graph.ofType('aws:s3/bucketNotification:BucketNotification');
    expect(notifications.map((n) => [n.inputs.bucket, n.inputs.queues])).toEqual([
      [
        lake.id,
        [
          {
            queueArn: TEST_SNOWFLAKE.sqsArn,
            events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
            filterPrefix: 'hits/',
          },
        ],
      ],
    ]);
    // Nothing else changed between the passes.
    const names = (g: ResourceGraph) => g.nodes.map((n) => `${n.type}::${n.name}`).sort();
    expect(names(second.graph)).toEqual(
      [
        ...names(first.graph),
        'aws:s3/bucketNotification:BucketNotification::alt-dev-lake-snowflake-events',
      ].sort(),
    );
  });
});
