/**
 * `alt console --stack <name>`: the console for a deployed stack, served from the operator's own
 * machine on 127.0.0.1 (nothing on the stack's public listener). It finds the stack through
 * `pulumi stack output --json --stack <name>` (the outputs `alt query --athena` is documented
 * with), or explicit flags, and talks to AWS with the operator's credentials: the RDS Data API
 * for apps and rollups, CloudWatch for counts and lag (console/aws-source.ts). What those
 * credentials need is the stack's `consolePolicyArn` (docs/operations.md#console-against-a-stack).
 *
 * Serving is one injected call (`ServeConsole`, `serveConsole` from console/server.ts in cli/main.ts), so tests run the command without a listener.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { Command } from 'commander';
import { BEACON_DIST, ensureBeacon, withBeaconCode } from '../../beacon/build.ts';
import { type AwsConsoleOptions, createAwsConsoleSource } from '../../console/aws-source.ts';
import type { ConsoleSource } from '../../console/source.ts';
import { createDataApiQueryable } from '../../lib/db/data-api.ts';
import { explainCredentials } from '../../query/athena-engine.ts';

export interface ConsoleFlags {
  stack?: string;
  region?: string;
  port?: string;
  clusterArn?: string;
  secretArn?: string;
  database?: string;
  collectorUrl?: string;
  collectorGroup?: string;
  transformerFunction?: string;
  beaconDir?: string;
}

/** Serves the console for `source` on `host:port`; resolves with the URL to open (it carries `token`). */
export type ServeConsole = (
  source: ConsoleSource,
  opts: { host: '127.0.0.1'; port: number; token: string },
) => Promise<{ url: string; close(): Promise<void> }>;

export type StackOutputs = Record<string, unknown>;

const execFileAsync = promisify(execFile);
type Exec = (file: string, args: string[]) => Promise<{ stdout: string }>;

/** The stack's outputs as `pulumi stack output --json` prints them. */
export async function readStackOutputs(stack: string, exec: Exec = execFileAsync): Promise<StackOutputs> {
  let stdout: string;
  try {
    ({ stdout } = await exec('npx', [
      '--no-install',
      'pulumi',
      'stack',
      'output',
      '--json',
      '--stack',
      stack,
    ]));
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new Error(
      `could not read the outputs of stack "${stack}" with \`pulumi stack output --json --stack ${stack}\` ` +
        `(log in to its backend first, or pass --cluster-arn, --secret-arn, --collector-url, --collector-group, --transformer-function and --region): ${detail}`,
    );
  }
  return JSON.parse(stdout) as StackOutputs;
}

type Settings = Omit<AwsConsoleOptions, 'manifest' | 'rdsData' | 'cloudWatch' | 'db' | 'now'>;

/** Flags win over the stack's outputs; whatever is still missing is named with both ways to give it. */
export function consoleSettings(
  flags: ConsoleFlags,
  outputs: StackOutputs = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const missing: string[] = [];
  const pick = (flag: string, value: string | undefined, output: string, fallback?: string): string => {
    const v =
      value ?? (typeof outputs[output] === 'string' ? (outputs[output] as string) : undefined) ?? fallback;
    if (!v) missing.push(`--${flag} (stack output ${output})`);
    return v ?? '';
  };
  const settings: Settings = {
    stackName: flags.stack ?? 'custom',
    region: pick('region', flags.region, 'region', env.AWS_REGION),
    clusterArn: pick('cluster-arn', flags.clusterArn, 'auroraClusterArn'),
    secretArn: pick('secret-arn', flags.secretArn, 'auroraSecretArn'),
    database: pick('database', flags.database, 'auroraDatabase', 'alt'),
    collectorUrl: pick('collector-url', flags.collectorUrl, 'collectorUrl'),
    collectorGroupName: pick('collector-group', flags.collectorGroup, 'collectorGroupName'),
    transformerFunction: pick('transformer-function', flags.transformerFunction, 'transformerFunction'),
  };
  if (missing.length) {
    throw new Error(
      `alt console needs ${missing.join(', ')}: pass --stack <name> to read them from a deployed stack, or the flags`,
    );
  }
  return settings;
}

/** What the AWS SDK says, in terms of what to do about it. */
export function explainAwsError(err: unknown, s: Settings): unknown {
  const explained = explainCredentials(err, 'the console (RDS Data API, CloudWatch)');
  if (explained !== err || !(err instanceof Error)) return explained;
  switch (err.name) {
    case 'HttpEndpointNotEnabledException':
      return new Error(
        `the Data API is not enabled on ${s.clusterArn}: deploy the stack from this version (it sets enableHttpEndpoint)`,
        { cause: err },
      );
    case 'AccessDeniedException':
    case 'ForbiddenException':
    case 'UnrecognizedClientException':
      return new Error(
        `AWS refused the console's request (${err.message}): attach the stack's consolePolicyArn policy to your user or role`,
        { cause: err },
      );
    default:
      return err;
  }
}

export interface BuildDeps {
  outputs?: (stack: string) => Promise<StackOutputs>;
  rdsData?: RDSDataClient;
  manifest?: () => Promise<AwsConsoleOptions['manifest']>;
  env?: NodeJS.ProcessEnv;
}

/**
 * The console's source for a stack, after one Data API round trip (so missing credentials, a
 * disabled Data API or a missing policy are said before anything is served).
 */
export async function buildAwsConsole(flags: ConsoleFlags, deps: BuildDeps = {}): Promise<ConsoleSource> {
  const outputs = flags.stack ? await (deps.outputs ?? readStackOutputs)(flags.stack) : {};
  const settings = consoleSettings(flags, outputs, deps.env);
  const rdsData = deps.rdsData ?? new RDSDataClient({ region: settings.region });
  const db = createDataApiQueryable({
    client: rdsData,
    resourceArn: settings.clusterArn,
    secretArn: settings.secretArn,
    database: settings.database,
  });
  try {
    await db.query('SELECT 1 AS ok');
  } catch (err) {
    throw explainAwsError(err, settings);
  }
  const dir = flags.beaconDir ?? BEACON_DIST;
  // With the code: the console offers the inline snippet too.
  const manifest = await (deps.manifest ?? (async () => withBeaconCode(await ensureBeacon(dir), dir)))();
  return createAwsConsoleSource({ ...settings, manifest, db });
}

export function registerConsole(program: Command, serve: ServeConsole): void {
  program
    .command('console')
    .description('the console for a deployed stack, served on 127.0.0.1 with your AWS credentials')
    .option('--stack <name>', 'Pulumi stack to read the outputs of (pulumi stack output --json)')
    .option('--region <region>', 'AWS region (default: stack output region, else AWS_REGION)')
    .option('--port <port>', 'local port (0 picks a free one)', '7070')
    .option('--cluster-arn <arn>', 'Aurora cluster ARN (stack output auroraClusterArn)')
    .option('--secret-arn <arn>', 'database secret ARN for the Data API (stack output auroraSecretArn)')
    .option('--database <name>', 'database name (stack output auroraDatabase)')
    .option('--collector-url <url>', "the collector's public URL, for snippets (stack output collectorUrl)")
    .option(
      '--collector-group <name>',
      "the collector's Auto Scaling group (stack output collectorGroupName)",
    )
    .option('--transformer-function <name>', 'the transformer Lambda (stack output transformerFunction)')
    .option('--beacon-dir <dir>', 'beacon build the snippets pin (built when missing or stale)')
    .action(async (flags: ConsoleFlags) => {
      const port = Number(flags.port ?? 7070);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be 0–65535, not ${flags.port}`);
      const source = await buildAwsConsole(flags);
      // A fresh token per run: the console changes apps, and other local users can reach 127.0.0.1.
      const token = randomBytes(24).toString('base64url');
      const server = await serve(source, { host: '127.0.0.1', port, token });
      process.stdout.write(`${source.label}: ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
