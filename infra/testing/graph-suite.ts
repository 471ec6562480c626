/**
 * Relations between resources over the whole program, read from the resource graph the harness
 * records (parents, explicit `dependsOn`, Output wiring, provider state): what must exist before
 * what, what a schedule targets, which role may delete what, where the lake's events go. Shared by
 * `stack-dev.test.ts` (a first deploy: Snowflake without its principal and queue) and
 * `stack-prod.test.ts` (after the Snowflake second pass).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { asList, type PolicyStatement, statementsOf, T } from '../policies/resources.ts';
import {
  type GraphNode,
  type ProgramRun,
  type ResourceGraph,
  runProgram,
  TEST_SNOWFLAKE,
} from './harness.ts';

const FUNCTION = 'aws:lambda/function:Function';
const INVOCATION = 'aws:lambda/invocation:Invocation';
const MAPPING = 'aws:lambda/eventSourceMapping:EventSourceMapping';
const SCHEDULE = 'aws:scheduler/schedule:Schedule';
const ASG = 'aws:autoscaling/group:Group';
const NOTIFICATION = 'aws:s3/bucketNotification:BucketNotification';
const OPERATIONS_DOC = path.resolve(import.meta.dirname, '..', '..', 'docs', 'operations.md');

const label = (n: GraphNode) => `${n.type}::${n.name}`;
const stateOf = (n: GraphNode, key: string) => n.state?.[key];

/** The node whose provider state has `key` equal to `value` (e.g. the function with this ARN). */
function byState(g: ResourceGraph, type: string, key: string, value: unknown): GraphNode {
  const found = g.ofType(type).filter((n) => value !== undefined && stateOf(n, key) === value);
  if (found.length !== 1) throw new Error(`${found.length} ${type} with ${key} = ${String(value)}`);
  return found[0] as GraphNode;
}

/** Allow statements of every inline policy attached to `role` (by the role's id or name). */
function allowsOf(g: ResourceGraph, role: GraphNode): PolicyStatement[] {
  const attached = [...g.ofType(T.rolePolicy), ...g.ofType(T.policy)].filter(
    (p) => p.inputs.role === role.id || p.inputs.role === stateOf(role, 'name'),
  );
  expect(g.ofType(T.rolePolicyAttachment).filter((a) => a.inputs.role === role.id)).toEqual([]);
  return attached.flatMap((p) => statementsOf(p.inputs.policy)).filter((s) => s.Effect === 'Allow');
}

/** The lake's bucket: the one bucket under the Lake component. */
function lakeBucketOf(g: ResourceGraph): GraphNode {
  const found = g.ofType(T.bucket).filter((b) => g.ancestors(b).some((a) => a.type === 'alt:lake:Lake'));
  expect(found, 'one bucket under alt:lake:Lake').toHaveLength(1);
  return found[0] as GraphNode;
}

/** Does an IAM action pattern (`s3:*`, `s3:Delete*`) cover `action`? */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

export function describeGraph(stackName: 'dev' | 'prod') {
  const secondPass = stackName === 'prod';
  let program: ProgramRun;
  let g: ResourceGraph;
  beforeAll(async () => {
    program = await runProgram(stackName);
    g = program.run.graph;
  });

  /** The compaction function, found from the schedule's target (not by name). */
  const compaction = () => {
    const [schedule] = g.ofType(SCHEDULE);
    expect(g.ofType(SCHEDULE), 'one compaction schedule').toHaveLength(1);
    const target = (schedule as GraphNode).inputs.target as { arn: string; roleArn: string };
    return {
      schedule: schedule as GraphNode,
      fn: byState(g, FUNCTION, 'arn', target.arn),
      schedulerRole: byState(g, T.role, 'arn', target.roleArn),
    };
  };
  const transformerFn = () => {
    const [mapping] = g.ofType(MAPPING);
    return byState(g, FUNCTION, 'arn', (mapping as GraphNode).inputs.functionName);
  };

  describe(`${stackName} resource graph`, () => {
    it('records every resource with its parent and dependencies', () => {
      expect(g.nodes.length).toBe(program.run.resources.length);
      const custom = g.nodes.filter((n) => n.custom);
      expect(custom.length).toBeGreaterThan(100);
      // Every AWS resource sits under one of the stack's components.
      for (const n of custom) expect(g.ancestors(n)[0]?.type ?? 'none', label(n)).toMatch(/^alt:/);
    });

    it('nothing that talks to Aurora is created before every cluster instance exists', () => {
      const instances = g.ofType(T.rdsClusterInstance);
      expect(instances).toHaveLength(stackName === 'prod' ? 2 : 1);
      const talkers = [
        ...g.ofType(INVOCATION),
        ...g.ofType(MAPPING),
        ...g.ofType(SCHEDULE),
        ...g.ofType(ASG),
        ...g.ofType(FUNCTION).filter((f) => {
          const env = (f.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables;
          return env?.ALT_DATABASE_HOST !== undefined;
        }),
      ];
      const early = talkers.flatMap((t) =>
        instances.filter((i) => !g.waitsFor(t, i)).map((i) => `${label(t)} does not wait for ${i.name}`),
      );
      expect(early).toEqual([]);
      // Migration run, mapping, schedule, collector group; transformer, migration, compaction functions.
      expect(talkers.map(label)).toHaveLength(7);
    });

    it('the migration runs before the first Kinesis batch and the first compaction', () => {
      const [migration] = g.ofType(INVOCATION) as [GraphNode];
      expect(byState(g, FUNCTION, 'name', migration.inputs.functionName).name).toMatch(/-migrate$/);
      const [mapping] = g.ofType(MAPPING) as [GraphNode];
      expect(g.waitsFor(mapping, migration)).toBe(true);
      expect(g.waitsFor(compaction().schedule, migration)).toBe(true);
    });

    it('the compaction schedule runs the compaction function every 15 minutes, and may invoke only it', async () => {
      const { schedule, fn, schedulerRole } = compaction();
      expect(schedule.inputs.scheduleExpression).toBe('rate(15 minutes)');
      expect(schedule.propertyDependencies.target).toEqual(
        expect.arrayContaining([fn.urn, schedulerRole.urn]),
      );
      const [trust] = statementsOf(schedulerRole.inputs.assumeRolePolicy);
      expect(trust?.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
      // A failed run is not retried by Lambda (it would overlap the next run); the next run catches up.
      const asyncConfigs = g
        .ofType('aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig')
        .filter((c) => c.inputs.functionName === stateOf(fn, 'name'));
      expect(asyncConfigs.map((c) => c.inputs.maximumRetryAttempts)).toEqual([0]);
      const allows = allowsOf(g, schedulerRole);
      expect(allows.flatMap((s) => asList(s.Action))).toEqual(['lambda:InvokeFunction']);
      expect(allows.flatMap((s) => asList(s.Resource))).toEqual([stateOf(fn, 'arn')]);

      // Same runtime, architecture, network and lake/database settings as the transformer.
      const t = transformerFn();
      expect(fn.urn).not.toBe(t.urn);
      expect(await (fn.inputs.code as { path: Promise<string> }).path).toBe(
        path.join(program.artifacts, 'compact'),
      );
      expect(fn.inputs).toMatchObject({
        handler: 'index.handler',
        runtime: t.inputs.runtime,
        architectures: t.inputs.architectures,
        vpcConfig: t.inputs.vpcConfig,
        memorySize: t.inputs.memorySize,
      });
      expect(fn.inputs.timeout).toBeGreaterThanOrEqual(300);
      expect(fn.inputs.timeout).toBeLessThanOrEqual(900);
      const env = (n: GraphNode) => (n.inputs.environment as { variables: Record<string, string> }).variables;
      for (const k of ['ALT_LAKE_BUCKET', 'ALT_DATABASE_HOST', 'ALT_DATABASE_SECRET_ARN'])
        expect(env(fn)[k], k).toBe(env(t)[k]);
    });

    it('only the compaction role may delete, and only objects under <lake>/hits/', () => {
      const lakeArn = stateOf(lakeBucketOf(g), 'arn');
      const deleters = g.ofType(T.role).flatMap((role) =>
        allowsOf(g, role)
          .filter((s) =>
            asList(s.Action).some((a) =>
              ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteBucket'].some((d) => covers(a, d)),
            ),
          )
          .map((s) => ({ role: role.urn, actions: asList(s.Action), resources: asList(s.Resource) })),
      );
      const { fn } = compaction();
      const compactRole = byState(g, T.role, 'arn', fn.inputs.role);
      expect(deleters).toEqual([
        { role: compactRole.urn, actions: ['s3:DeleteObject'], resources: [`${lakeArn}/hits/*`] },
      ]);
      // The transformer writes the lake but never deletes from it.
      const transformerRole = byState(g, T.role, 'arn', transformerFn().inputs.role);
      expect(transformerRole.urn).not.toBe(compactRole.urn);
      // Compaction reads and rewrites hits/ only; it lists the bucket to find an hour's files.
      const compactAllows = allowsOf(g, compactRole).filter((s) =>
        asList(s.Action).some((a) => a.startsWith('s3:')),
      );
      expect(compactAllows.flatMap((s) => asList(s.Resource)).sort()).toEqual(
        [lakeArn, `${lakeArn}/hits/*`, `${lakeArn}/hits/*`].sort(),
      );
    });

    it(
      secondPass
        ? 'second pass: the lake sends hits/ creations AND removals to Snowflake, whose role trusts its IAM user'
        : 'first pass: no lake notification, and the Snowflake role trusts only this account',
      () => {
        const lakeBucket = lakeBucketOf(g);
        const notifications = g.ofType(NOTIFICATION);
        const role = g
          .ofType(T.role)
          .find((r) =>
            g.ancestors(r).some((a) => a.type === 'alt:snowflake:SnowflakeIntegration'),
          ) as GraphNode;
        const [trust] = statementsOf(role.inputs.assumeRolePolicy);
        if (secondPass) {
          expect(notifications).toHaveLength(1);
          const [n] = notifications as [GraphNode];
          expect(n.inputs.bucket).toBe(lakeBucket.id);
          expect(g.waitsFor(n, lakeBucket)).toBe(true);
          expect(n.inputs.queues).toEqual([
            {
              queueArn: TEST_SNOWFLAKE.sqsArn,
              events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
              filterPrefix: 'hits/',
            },
          ]);
          expect(trust?.Principal).toEqual({ AWS: TEST_SNOWFLAKE.principalArn });
        } else {
          expect(notifications).toEqual([]);
          expect(trust?.Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:root' });
        }
        expect(trust?.Condition).toEqual({
          StringEquals: { 'sts:ExternalId': expect.stringMatching(/^alt-\w+-snowflake-/) },
        });
      },
    );

    it('every alarm has a runbook entry in docs/operations.md; the compaction alarm watches the scheduled function', () => {
      const doc = readFileSync(OPERATIONS_DOC, 'utf8');
      const headings = new Set([...doc.matchAll(/^### (\S+)$/gm)].map((m) => m[1]));
      const alarms = g.ofType(T.metricAlarm);
      expect(alarms.length).toBeGreaterThanOrEqual(13);
      const prefix = `alt-${stackName}-monitoring-`;
      const missing = alarms.map((a) => a.name.slice(prefix.length)).filter((id) => !headings.has(id));
      expect(missing, 'alarms without a "### <id>" section in docs/operations.md').toEqual([]);
      for (const a of alarms) {
        expect(a.name.startsWith(prefix)).toBe(true);
        expect(String(a.inputs.alarmDescription)).toContain(`operations.md#${a.name.slice(prefix.length)}`);
      }
      // The compaction alarm watches the function the schedule runs.
      const errors = alarms.find((a) => a.name === `${prefix}compaction-errors`) as GraphNode;
      expect(errors.inputs).toMatchObject({ namespace: 'AWS/Lambda', metricName: 'Errors' });
      expect((errors.inputs.dimensions as Record<string, string>).FunctionName).toBe(
        stateOf(compaction().fn, 'name'),
      );
      expect(g.waitsFor(errors, compaction().fn)).toBe(true);
    });
  });
}
