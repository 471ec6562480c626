/**
 * Who may reach Aurora as whom, over the planned dev stack (the program under Pulumi mocks): each
 * component's role may log in only as its own database user, with IAM auth switched on at the
 * cluster, and only the migration Lambda may read the master secret. Relations between resources
 * (policy → role → function/instance, ARN → cluster outputs), not echoed inputs.
 */
import { rmSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asList, type PlannedResource, statementsOf, T } from './policies/resources.ts';
import type { AltStack } from './stack.ts';
import { type MockRun, resolve, runProgram } from './testing/harness.ts';

describe('database access in the dev stack', () => {
  let run: MockRun;
  let stack: AltStack;
  let artifacts: string;
  let cluster: { arn: string; clusterResourceId: string; secretArn: string; endpoint: string };

  beforeAll(async () => {
    ({ run, stack, artifacts } = await runProgram('dev'));
    cluster = (await resolve(
      pulumi.all({
        arn: stack.aurora.cluster.arn,
        clusterResourceId: stack.aurora.cluster.clusterResourceId,
        secretArn: stack.aurora.secretArn,
        endpoint: stack.aurora.endpoint,
      }),
    )) as typeof cluster;
  });
  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

  const roleNameOf = (policy: PlannedResource) => {
    const role = run.resources.find((r) => r.type === T.role && r.id === policy.inputs.role);
    if (!role) throw new Error(`policy ${policy.name} names no planned role`);
    return role.name;
  };
  /** Role name → resources it is allowed `action` on, over every inline policy. */
  const allowed = (action: string) => {
    const out = new Map<string, string[]>();
    for (const p of run.resources.filter((r) => r.type === T.rolePolicy)) {
      for (const s of statementsOf(p.inputs.policy)) {
        const actions = asList(s.Action);
        if (
          s.Effect !== 'Allow' ||
          !actions.some((a) => a === action || a === '*' || a === action.replace(/:.*/, ':*'))
        )
          continue;
        out.set(roleNameOf(p), [...(out.get(roleNameOf(p)) ?? []), ...asList(s.Resource)]);
      }
    }
    return out;
  };
  const dbUser = (user: string) => {
    const [, partition, , region, account] = cluster.arn.split(':');
    return `arn:${partition}:rds-db:${region}:${account}:dbuser:${cluster.clusterResourceId}/${user}`;
  };

  it('the cluster accepts IAM database authentication', () => {
    const c = run.resources.find((r) => r.type === T.rdsCluster)!;
    expect(c.inputs.iamDatabaseAuthenticationEnabled).toBe(true);
  });

  it('each component may log in as its own database user only; the migration logs in with the secret', () => {
    const connect = allowed('rds-db:connect');
    expect(Object.fromEntries(connect)).toEqual({
      'alt-dev-collector-role': [dbUser('alt_collector')],
      'alt-dev-transformer-role': [dbUser('alt_transformer')],
      // Compaction recomputes rollups: the transformer's database user, nothing more.
      'alt-dev-transformer-compact-role': [dbUser('alt_transformer')],
    });
    expect(dbUser('alt_collector')).toBe(
      'arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ/alt_collector',
    );
  });

  it('only the migration Lambda may read the master secret', () => {
    const readers = [...allowed('secretsmanager:GetSecretValue')]
      .filter(([, resources]) => resources.some((r) => r === cluster.secretArn || r === '*'))
      .map(([role]) => role);
    expect(readers).toEqual(['alt-dev-transformer-migrate-role']);
  });

  it('each runtime is configured for its role, with no secret in its environment', () => {
    const fn = (name: string) =>
      run.resources.find((r) => r.type === 'aws:lambda/function:Function' && r.name === name)!.inputs as {
        role: string;
        environment: { variables: Record<string, string> };
      };
    const transformer = fn('alt-dev-transformer');
    expect(transformer.environment.variables).toMatchObject({
      ALT_DATABASE_HOST: cluster.endpoint,
      ALT_DATABASE_USER: 'alt_transformer',
    });
    expect(transformer.environment.variables.ALT_DATABASE_SECRET_ARN).toBeUndefined();
    const compact = fn('alt-dev-transformer-compact');
    expect(compact.environment.variables).toMatchObject({
      ALT_DATABASE_HOST: cluster.endpoint,
      ALT_DATABASE_USER: 'alt_transformer',
    });
    expect(compact.environment.variables.ALT_DATABASE_SECRET_ARN).toBeUndefined();
    const migrate = fn('alt-dev-transformer-migrate');
    expect(migrate.environment.variables.ALT_DATABASE_SECRET_ARN).toBe(cluster.secretArn);

    const lt = run.resources.find((r) => r.type === T.launchTemplate)!;
    const script = Buffer.from(lt.inputs.userData as string, 'base64').toString('utf8');
    expect(script).toContain(`ALT_DATABASE_HOST=${cluster.endpoint} ALT_DATABASE_USER=alt_collector`);
    expect(script).not.toContain(cluster.secretArn);
  });
});
