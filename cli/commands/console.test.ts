/**
 * `alt console`: where it finds a stack (outputs, flags), what it says when AWS credentials,
 * the Data API or the operator policy are missing, before anything is served.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  RDSDataClient,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runAlt } from '../../test/helpers/run-alt.ts';
import { buildAwsConsole, consoleSettings, readStackOutputs } from './console.ts';

const OUTPUTS = {
  region: 'eu-west-1',
  auroraClusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:alt-dev-db-cluster',
  auroraSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1',
  auroraDatabase: 'alt',
  collectorUrl: 'https://alt-dev-edge-123.eu-west-1.elb.amazonaws.com',
  collectorGroupName: 'alt-dev-collector',
  transformerFunction: 'alt-dev-transformer-fn-9f8e',
  consolePolicyArn: 'arn:aws:iam::123456789012:policy/alt-dev-db-console-operator',
};
const MANIFEST = { file: 'b.0123456789.js', integrity: 'sha384-x' };

describe('finding the stack', () => {
  it('reads every setting from the stack outputs, flags winning', () => {
    expect(consoleSettings({ stack: 'dev' }, OUTPUTS, {})).toEqual({
      stackName: 'dev',
      region: OUTPUTS.region,
      clusterArn: OUTPUTS.auroraClusterArn,
      secretArn: OUTPUTS.auroraSecretArn,
      database: OUTPUTS.auroraDatabase,
      collectorUrl: OUTPUTS.collectorUrl,
      collectorGroupName: OUTPUTS.collectorGroupName,
      transformerFunction: OUTPUTS.transformerFunction,
    });
    expect(
      consoleSettings(
        { stack: 'dev', region: 'us-east-1', secretArn: 'arn:aws:secretsmanager:x' },
        OUTPUTS,
        {},
      ),
    ).toMatchObject({ region: 'us-east-1', secretArn: 'arn:aws:secretsmanager:x' });
  });

  it('names each missing setting with its flag and its stack output', () => {
    expect(() => consoleSettings({ clusterArn: OUTPUTS.auroraClusterArn }, {}, {})).toThrow(
      'alt console needs --region (stack output region), --secret-arn (stack output auroraSecretArn), ' +
        '--collector-url (stack output collectorUrl), --collector-group (stack output collectorGroupName), ' +
        '--transformer-function (stack output transformerFunction): pass --stack <name>',
    );
  });

  it('asks pulumi for the outputs as JSON, and says how to do without it when that fails', async () => {
    const calls: string[][] = [];
    const outputs = await readStackOutputs('prod', async (file, args) => {
      calls.push([file, ...args]);
      return { stdout: JSON.stringify(OUTPUTS) };
    });
    expect(outputs).toEqual(OUTPUTS);
    expect(calls).toEqual([
      ['npx', '--no-install', 'pulumi', 'stack', 'output', '--json', '--stack', 'prod'],
    ]);
    await expect(
      readStackOutputs('prod', async () => {
        throw Object.assign(new Error('exit 255'), { stderr: 'error: PULUMI_ACCESS_TOKEN must be set\n' });
      }),
    ).rejects.toThrow(/stack "prod".*--cluster-arn.*PULUMI_ACCESS_TOKEN must be set/);
  });
});

describe('checking the stack before serving', () => {
  const rds = mockClient(RDSDataClient);
  afterEach(() => rds.reset());
  afterAll(() => rds.restore());
  const build = () =>
    buildAwsConsole(
      { stack: 'dev' },
      {
        outputs: async () => OUTPUTS,
        rdsData: new RDSDataClient({ region: 'eu-west-1' }),
        manifest: async () => MANIFEST,
        env: {},
      },
    );

  it('asks the Data API of the stack cluster with its secret, then builds the source', async () => {
    const inputs: ExecuteStatementCommandInput[] = [];
    rds.on(ExecuteStatementCommand).callsFake((i: ExecuteStatementCommandInput) => {
      inputs.push(i);
      return { records: [[{ longValue: 1 }]], columnMetadata: [{ label: 'ok', typeName: 'int4' }] };
    });
    const source = await build();
    expect(source.label).toBe('stack dev (eu-west-1)');
    expect(inputs[0]).toMatchObject({
      resourceArn: OUTPUTS.auroraClusterArn,
      secretArn: OUTPUTS.auroraSecretArn,
      database: 'alt',
    });
    expect((await source.snippet('alt_AAAAAAAAAAAAAAAAAAAAAA', {})).html).toContain(
      `${OUTPUTS.collectorUrl}/${MANIFEST.file}`,
    );
  });

  it('says to deploy when the Data API is off, and to attach the policy when AWS refuses', async () => {
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });
    rds
      .on(ExecuteStatementCommand)
      .rejects(named('HttpEndpointNotEnabledException', 'HttpEndpoint is not enabled'));
    await expect(build()).rejects.toThrow(
      `the Data API is not enabled on ${OUTPUTS.auroraClusterArn}: deploy the stack from this version`,
    );
    rds.reset();
    rds
      .on(ExecuteStatementCommand)
      .rejects(named('AccessDeniedException', 'not authorized to perform rds-data:ExecuteStatement'));
    await expect(build()).rejects.toThrow(/not authorized.*attach the stack's consolePolicyArn policy/);
  });
});

describe('alt console without AWS credentials', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'alt-console-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('exits with what to set, before serving anything', async () => {
    const none = path.join(home, 'none');
    const r = await runAlt(
      [
        'console',
        '--region=eu-west-1',
        `--cluster-arn=${OUTPUTS.auroraClusterArn}`,
        `--secret-arn=${OUTPUTS.auroraSecretArn}`,
        `--collector-url=${OUTPUTS.collectorUrl}`,
        `--collector-group=${OUTPUTS.collectorGroupName}`,
        `--transformer-function=${OUTPUTS.transformerFunction}`,
      ],
      {
        HOME: home,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: none,
        AWS_SHARED_CREDENTIALS_FILE: none,
        AWS_WEB_IDENTITY_TOKEN_FILE: '',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('alt: no AWS credentials found for the console (RDS Data API, CloudWatch)');
    expect(r.stderr).toContain('set AWS_PROFILE');
    expect(r.stderr).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });
});
