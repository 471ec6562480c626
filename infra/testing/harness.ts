/**
 * Runs the Pulumi program offline under `pulumi.runtime.setMocks` (no CLI, no AWS account) and
 * records every resource it registers, with the options the engine would see: parent, explicit
 * `dependsOn` and the implicit dependencies carried by Output inputs (`ResourceGraph`). Used by the
 * infra tests only.
 *
 * Artifacts: the program uploads real bundles from `artifactsDir`; tests point it at a temp dir
 * of tiny placeholder files (`createPlaceholderArtifacts`) — the bundles are never built here.
 *
 * Config: the committed `Pulumi.<stack>.yaml` files hold no account-specific values (a user sets
 * them, see docs/operations.md); `stackTestConfig` adds test values for those keys.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { PlannedResource } from '../policies/resources.ts';
import { parseValue, readStackConfig } from '../read-config.ts';
import { type AltStack, createStack } from '../stack.ts';

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
        // `app/…` for an ALB, `net/…` for an NLB: the LoadBalancer dimension of their metrics.
        arnSuffix: `${inputs.loadBalancerType === 'network' ? 'net' : 'app'}/${name}/50dc6c495c0c9188`,
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
    case 'aws:lambda/invocation:Invocation':
      // What the function returned. The certificate renewer returns the ARN it imported
      // (lib/certificate/renewer.ts `RenewerResult`); the migration's result is not read.
      return {
        ...base,
        result: JSON.stringify({
          certificateArn: `arn:aws:acm:${region}:${ACCOUNT_ID}:certificate/imported-by-${name}`,
          renewed: true,
        }),
      };
    default:
      return base;
  }
}

/** One registered resource as the engine sees it: `PlannedResource` plus its place in the graph. */
export interface GraphNode extends PlannedResource {
  urn: string;
  custom: boolean;
  /** URN of the parent ('' for none). */
  parent: string;
  /**
   * Direct dependencies: explicit `dependsOn` (a component expands to its custom children) and
   * every resource whose Output flows into an input. This is the list the engine orders by.
   */
  dependencies: string[];
  /** Input property → the URNs its value came from. */
  propertyDependencies: Record<string, string[]>;
  protect?: boolean;
  retainOnDelete?: boolean;
}

/**
 * The resource graph of one program run. Built from the `RegisterResourceRequest`s the SDK sends
 * the (mock) monitor — the same requests `pulumi up` sends the engine — so relations come from
 * resource options and Output wiring, not from what the test restates.
 */
export class ResourceGraph {
  readonly nodes: GraphNode[] = [];
  private readonly byUrnMap = new Map<string, GraphNode>();

  add(node: GraphNode): void {
    this.nodes.push(node);
    this.byUrnMap.set(node.urn, node);
  }

  byUrn(urn: string): GraphNode {
    const n = this.byUrnMap.get(urn);
    if (!n) throw new Error(`no resource with URN ${urn}`);
    return n;
  }

  ofType(type: string): GraphNode[] {
    return this.nodes.filter((n) => n.type === type);
  }

  /** The one resource of `type` named `name` (logical name); throws listing what exists otherwise. */
  get(type: string, name: string): GraphNode {
    const found = this.nodes.filter((n) => n.type === type && n.name === name);
    if (found.length !== 1)
      throw new Error(
        `${found.length} resources ${type} named ${name}; have ${this.ofType(type)
          .map((n) => n.name)
          .join(', ')}`,
      );
    return found[0] as GraphNode;
  }

  /** Everything that must exist before `node` is created: its dependencies, transitively. */
  requires(node: GraphNode): Set<GraphNode> {
    const seen = new Set<GraphNode>();
    const stack = [...node.dependencies];
    while (stack.length > 0) {
      const urn = stack.pop() as string;
      const dep = this.byUrnMap.get(urn);
      if (!dep || seen.has(dep)) continue;
      seen.add(dep);
      stack.push(...dep.dependencies);
    }
    return seen;
  }

  /** True when `node` cannot be created before `dependency` exists. */
  waitsFor(node: GraphNode, dependency: GraphNode): boolean {
    return this.requires(node).has(dependency);
  }

  /** The components (`custom: false`) `node` sits under, innermost first. */
  ancestors(node: GraphNode): GraphNode[] {
    const out: GraphNode[] = [];
    let p = node.parent;
    while (p) {
      const parent = this.byUrn(p);
      out.push(parent);
      p = parent.parent;
    }
    return out;
  }
}

/** Pulumi's wire marker for a secret value (`{ [SECRET_SIG]: SECRET_VALUE, value }`). */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/**
 * Inputs with secret markers replaced by their values: a secret inside a list (an origin's custom
 * header) reaches the mock as the whole list wrapped, which the checks could not read.
 */
function revealSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revealSecrets);
  if (v === null || typeof v !== 'object') return v;
  // Assets and archives (code: FileArchive) stay as they are: only plain JSON is rewritten.
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const o = v as Record<string, unknown>;
  if (SECRET_SIG in o) return revealSecrets(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revealSecrets(x)]));
}

export interface MockRun {
  resources: PlannedResource[];
  graph: ResourceGraph;
}

/** The slice of a `RegisterResourceRequest` the recorder reads (generated protobuf class). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): {
    forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getProtect(): boolean;
  getRetainondelete(): boolean;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
interface Monitor {
  registerResource(req: RegisterRequest, cb: Callback): unknown;
}

/**
 * Wraps the mock monitor's `registerResource`: `setMocks` hands `newResource` only type, name and
 * inputs, but the request itself carries parent, dependencies and options. The mock calls
 * `newResource` synchronously before its first await, so the record `newResource` just pushed is
 * the one this request describes (checked by type and name).
 */
function recordGraph(run: MockRun): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor | undefined;
  if (!monitor || typeof monitor.registerResource !== 'function')
    throw new Error('@pulumi/pulumi no longer exposes the mock monitor through runtime.getMonitor()');
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const index = run.resources.length;
    let node: GraphNode | undefined;
    const result = original(req, (err, resp) => {
      if (!err && resp && node) {
        node.urn = resp.getUrn();
        run.graph.add(node);
      }
      cb(err, resp);
    });
    const planned = run.resources[index];
    if (!planned || planned.type !== req.getType() || planned.name !== req.getName())
      throw new Error(`graph recorder lost track of ${req.getType()}::${req.getName()}`);
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    node = Object.assign(planned, {
      urn: '',
      custom: req.getCustom(),
      parent: req.getParent(),
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      protect: req.getProtect() || undefined,
      retainOnDelete: req.getRetainondelete() || undefined,
    });
    return result;
  };
}

export async function installMocks(stackName: string, region: string): Promise<MockRun> {
  const run: MockRun = { resources: [], graph: new ResourceGraph() };
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = revealSecrets(args.inputs) as Record<string, unknown>;
        const id = args.custom === false ? undefined : `${args.name}-id`;
        const state = { ...inputs, ...computed(args.type, args.name, inputs, region) };
        run.resources.push({ type: args.type, name: args.name, inputs, id, state });
        return { id, state };
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
        if (args.token === 'aws:ec2/getManagedPrefixList:getManagedPrefixList') {
          // What EC2 answers for an AWS-managed list: an id per region, entries omitted here.
          return {
            id: `pl-${(args.inputs.name as string).length.toString(16)}0ca1`,
            name: args.inputs.name,
            entries: [],
          };
        }
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    'alt',
    stackName,
    false,
  );
  recordGraph(run);
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
  for (const part of ['collector', 'transformer', 'migrate', 'compact', 'certificate-renewer']) {
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

/** Values a user sets before the first deploy (the committed stack files leave them out). */
export const TEST_ACCOUNT = '210987654321';
const cert = (region: string, id: string) => `arn:aws:acm:${region}:${TEST_ACCOUNT}:certificate/${id}`;
/** Snowflake's side, known only after running the printed SQL (`DESC INTEGRATION`, `SHOW EXTERNAL TABLES`). */
export const TEST_SNOWFLAKE = {
  principalArn: 'arn:aws:iam::386209384616:user/k7m2-s-p9q4',
  sqsArn: 'arn:aws:sqs:eu-west-1:386209384616:sf-snowpipe-AIDAVX7K4Q2Z9R3T-Qm8xW2vN5bC1dF6gH0jK',
};
/**
 * Dev is tested as a first deploy (only the certificate set; Snowflake without its principal and
 * queue), prod as a stack after the Snowflake second pass with every optional value set.
 */
export const TEST_VALUES: Record<'dev' | 'prod', Record<string, unknown>> = {
  dev: { certificateArn: cert('eu-west-1', '3f1c9a2e-7b4d-4e8a-9c21-5d6e7f809a1b') },
  prod: {
    certificateArn: cert('eu-west-1', '9b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b'),
    apiDomainName: 'collect.alt.test',
    cdnDomainName: 'cdn.alt.test',
    cdnCertificateArn: cert('us-east-1', '4d3c2b1a-0f9e-4d8c-b7a6-958473625140'),
    alarmEmail: 'ops@alt.test',
    snowflake: TEST_SNOWFLAKE,
  },
};

/**
 * `Pulumi.<stack>.yaml` plus `TEST_VALUES` (and `extra`), as the engine hands config to the
 * program: `alt:key` → string. Objects such as `snowflake` are merged key by key, like
 * `pulumi config set --path`.
 */
export function stackTestConfig(
  stack: 'dev' | 'prod',
  extra: Record<string, unknown> = {},
): Record<string, string> {
  const out = stackYamlConfig(stack);
  for (const [key, value] of Object.entries({ ...TEST_VALUES[stack], ...extra })) {
    const k = `alt:${key}`;
    const current = out[k] === undefined ? undefined : parseValue(out[k]);
    const merged =
      typeof value === 'object' && value !== null && typeof current === 'object' && current !== null
        ? { ...current, ...value }
        : value;
    out[k] = typeof merged === 'string' ? merged : JSON.stringify(merged);
  }
  return out;
}

export interface ProgramRun {
  run: MockRun;
  stack: AltStack;
  outputs: Record<string, unknown>;
  artifacts: string;
}
const programs = new Map<string, Promise<ProgramRun>>();

/**
 * Runs the whole program once per worker for `stackName` (with `stackTestConfig` and placeholder
 * artifacts) and settles every registration; the stack suites of one file share the run.
 */
export function runProgram(stackName: 'dev' | 'prod'): Promise<ProgramRun> {
  let program = programs.get(stackName);
  if (!program) {
    program = (async () => {
      const artifacts = createPlaceholderArtifacts();
      const yaml = stackTestConfig(stackName);
      const run = await installMocks(stackName, yaml['aws:region'] as string);
      pulumi.runtime.setAllConfig({ ...yaml, 'alt:artifactsDir': artifacts });
      const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));
      const outputs = await resolve(pulumi.all(stack.outputs));
      await settle();
      return { run, stack, outputs, artifacts };
    })();
    programs.set(stackName, program);
  }
  return program;
}

/** Resource options the engine receives that `newResource` does not see, keyed `type::name`. */
export interface RecordedOptions {
  protect: boolean;
  retainOnDelete: boolean;
  provider: string;
}

/**
 * Records `protect`, `retainOnDelete` and the provider reference of every resource registered
 * after the call, from the `RegisterResourceRequest` the SDK sends the mock monitor (the same
 * request `pulumi up` sends the engine). Chains onto whatever wraps the monitor already.
 */
export function recordResourceOptions(): Map<string, RecordedOptions> {
  const options = new Map<string, RecordedOptions>();
  const monitor = pulumi.runtime.getMonitor() as unknown as
    | {
        registerResource(
          req: {
            getType(): string;
            getName(): string;
            getProtect(): boolean;
            getRetainondelete(): boolean;
            getProvider(): string;
          },
          cb: unknown,
        ): unknown;
      }
    | undefined;
  if (!monitor || typeof monitor.registerResource !== 'function')
    throw new Error('@pulumi/pulumi no longer exposes the mock monitor through runtime.getMonitor()');
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    options.set(`${req.getType()}::${req.getName()}`, {
      protect: req.getProtect(),
      retainOnDelete: req.getRetainondelete(),
      provider: req.getProvider(),
    });
    return original(req, cb);
  };
  return options;
}
