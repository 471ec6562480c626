/**
 * Runs the Pulumi program offline under `pulumi.runtime.setMocks` (no CLI, no AWS account) and
 * records every resource it registers. Used by the infra tests only.
 *
 * Artifacts: the program uploads real bundles from `artifactsDir`; tests point it at a temp dir
 * of tiny placeholder files (`createPlaceholderArtifacts`) — the bundles are never built here.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { PlannedResource } from '../policies/resources.ts';

export const ACCOUNT_ID = '123456789012';
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Computed attributes AWS would fill in, keyed by type; everything else echoes the inputs. */
function computed(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  region: string,
): Record<string, unknown> {
  const service = type.split(':')[1]?.split('/')[0] ?? 'x';
  const physical = (inputs.name as string | undefined) ?? `${name}-${'0123abcd'}`;
  const base = {
    name: physical,
    arn: service === 's3' ? `arn:aws:s3:::${physical}` : `arn:aws:${service}:${region}:${ACCOUNT_ID}:${name}`,
  };
  switch (type) {
    case 'aws:s3/bucket:Bucket':
      return {
        ...base,
        bucket: physical,
        bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com`,
      };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return {
        ...base,
        arnSuffix: `app/${name}/50dc6c495c0c9188`,
        dnsName: `${name}-1234.${region}.elb.amazonaws.com`,
      };
    case 'aws:lb/targetGroup:TargetGroup':
      return { ...base, arnSuffix: `targetgroup/${name}/73e2d6bc24d8a067` };
    case 'aws:rds/cluster:Cluster':
      return {
        ...base,
        clusterIdentifier: name,
        clusterResourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXYZ',
        endpoint: `${name}.cluster-abc.${region}.rds.amazonaws.com`,
        masterUserSecrets: [
          { secretArn: `arn:aws:secretsmanager:${region}:${ACCOUNT_ID}:secret:rds!cluster-${name}` },
        ],
      };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { ...base, latestVersion: 1 };
    case 'aws:s3/bucketObjectv2:BucketObjectv2':
      return { ...base, etag: 'd41d8cd98f00b204e9800998ecf8427e' };
    case 'aws:sqs/queue:Queue':
      return { ...base, url: `https://sqs.${region}.amazonaws.com/${ACCOUNT_ID}/${physical}` };
    case 'aws:cloudfront/distribution:Distribution':
      return { ...base, domainName: 'd111111abcdef8.cloudfront.net' };
    default:
      return base;
  }
}

export interface MockRun {
  resources: PlannedResource[];
}

export async function installMocks(stackName: string, region: string): Promise<MockRun> {
  const run: MockRun = { resources: [] };
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        const id = args.custom === false ? undefined : `${args.name}-id`;
        run.resources.push({ type: args.type, name: args.name, inputs, id });
        return { id, state: { ...inputs, ...computed(args.type, args.name, inputs, region) } };
      },
      call(args) {
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity') {
          return {
            accountId: ACCOUNT_ID,
            arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`,
            userId: 'AIDTEST',
            id: ACCOUNT_ID,
          };
        }
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    'alt',
    stackName,
    false,
  );
  return run;
}

/** Waits until every registration the program started has reached the mock monitor. */
export async function settle(): Promise<void> {
  const rt = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof rt.waitForRPCs !== 'function')
    throw new Error('@pulumi/pulumi no longer exports runtime.waitForRPCs');
  await rt.waitForRPCs();
}

export const resolve = <T>(o: pulumi.Input<T>): Promise<T> =>
  new Promise((ok) => pulumi.output(o).apply((v) => ok(v as T)));

/** A temp artifacts dir with placeholder bundles: what `infra/build` would write, minus the code. */
export function createPlaceholderArtifacts(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'alt-infra-'));
  for (const part of ['collector', 'transformer', 'migrate']) {
    mkdirSync(path.join(dir, part));
    writeFileSync(path.join(dir, part, part === 'collector' ? 'main.mjs' : 'index.mjs'), '// placeholder\n');
  }
  mkdirSync(path.join(dir, 'beacon'));
  writeFileSync(path.join(dir, 'beacon', 'b.js'), '/* beacon */\n');
  writeFileSync(path.join(dir, 'beacon', 'b.3f9a0c1d.js'), '/* beacon */\n');
  return dir;
}

/** `Pulumi.<stack>.yaml` as the engine hands it to the program: `alt:key` → string (JSON for non-strings). */
export function stackYamlConfig(stack: 'dev' | 'prod'): Record<string, string> {
  const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
  const doc = yaml.load(readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}
