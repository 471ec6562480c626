/**
 * The stack config: both checked-in stacks validate once a user has set their own values; the
 * committed files alone are refused with what to set; each kind of mistake is refused by name.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../lib/cost/presets.ts';
import { AURORA_ENGINE_VERSION, SERVERLESS_V2_VERSIONS, StackConfigError, validateConfig } from './config.ts';
import { shardsFor } from './presets.ts';
import { parseValue } from './read-config.ts';
import {
  createPlaceholderArtifacts,
  stackTestConfig,
  stackYamlConfig,
  TEST_SNOWFLAKE,
} from './testing/harness.ts';

let artifacts: string;
beforeAll(() => {
  artifacts = createPlaceholderArtifacts();
});
afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

/**
 * `Pulumi.<stack>.yaml` (plus the values a user sets, unless `committedOnly`) → the raw object
 * `readStackConfig` builds, with placeholder artifacts.
 */
function rawConfig(stack: 'dev' | 'prod', committedOnly = false): Record<string, unknown> {
  const yaml = committedOnly ? stackYamlConfig(stack) : stackTestConfig(stack);
  const raw: Record<string, unknown> = { region: yaml['aws:region'] };
  for (const [k, v] of Object.entries(yaml)) if (k.startsWith('alt:')) raw[k.slice(4)] = parseValue(v);
  return { ...raw, artifactsDir: artifacts };
}

const problemsOf = (raw: Record<string, unknown>): string[] => {
  try {
    validateConfig(raw);
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('validateConfig', () => {
  it('accepts the checked-in dev and prod stacks once the user values are set', () => {
    expect(validateConfig(rawConfig('dev'))).toMatchObject({
      environment: 'dev',
      aurora: { minCapacity: 0.5 },
      collector: { maxSize: 1 },
    });
    expect(validateConfig(rawConfig('prod'))).toMatchObject({
      environment: 'prod',
      aurora: { deletionProtection: true },
    });
  });

  it('names the key and what it allows', () => {
    const dev = rawConfig('dev');
    expect(problemsOf({ ...dev, sslPolicy: 'ELBSecurityPolicy-2016-08' })).toEqual([
      'sslPolicy: expected a TLS 1.3 policy (ELBSecurityPolicy-TLS13-…), got "ELBSecurityPolicy-2016-08"',
    ]);
    expect(problemsOf({ ...dev, availabilityZones: ['eu-west-1a'] })[0]).toMatch(
      /^availabilityZones: expected at least 2 zones/,
    );
    expect(problemsOf({ ...dev, rawExpireDays: 60 })[0]).toMatch(/^rawExpireDays: .*Glacier IR at 90 days/);
    expect(problemsOf({ ...dev, shardCount: 4 })[0]).toMatch(/^shardCount: unknown key/);
    expect(problemsOf({ ...dev, collector: { instanceType: 'c7i.large' } })).toEqual([
      'collector.architecture: arm64 does not match instance type c7i.large',
    ]);
    expect(problemsOf({ ...dev, transformer: { maximumRecordAgeSeconds: 200_000 } })[0]).toContain(
      'exceeds the stream retention',
    );
    expect(problemsOf({ ...dev, routeApiThroughCdn: true })[0]).toMatch(/^apiDomainName:/);
  });

  it('refuses a prod stack that could lose data or capacity, listing every problem at once', () => {
    const problems = problemsOf({
      ...rawConfig('prod'),
      aurora: { deletionProtection: false, backupRetentionDays: 1, instances: 1 },
      collector: { minSize: 1, targetRequestsPerInstance: 0 },
    });
    expect(problems).toEqual([
      'collector.minSize: prod needs at least 2 instances across AZs',
      'collector.targetRequestsPerInstance: prod needs target tracking (> 0)',
      'aurora.deletionProtection: must be true in prod',
      'aurora.backupRetentionDays: prod keeps at least 7 days of backups',
      'aurora.instances: prod needs a writer and a reader in another AZ',
    ]);
  });

  it('fails with the build command when the artifacts are missing (no silent skip)', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'alt-empty-'));
    try {
      const problems = problemsOf({ ...rawConfig('dev'), artifactsDir: empty });
      expect(problems).toHaveLength(5);
      expect(problems.join('\n')).toContain(path.join(empty, 'compact'));
      expect(problems[0]).toContain(`run \`npm run build:aws -- --arch arm64 --out ${empty}\``);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses the committed stack files alone, naming each key to set and where its value comes from', () => {
    expect(problemsOf(rawConfig('dev', true))).toEqual([
      'certificateArn: not set — set it with `npx pulumi config set alt:certificateArn arn:aws:acm:<region>:<account>:certificate/<id>` (value from ACM in the stack region, after requesting a certificate for the collector hostname and validating it by DNS); or set managedCertificate instead (docs/operations.md, "Managed certificate")',
    ]);
    const prod = problemsOf(rawConfig('prod', true));
    expect(prod.map((p) => p.split(':')[0])).toEqual(['certificateArn', 'apiDomainName']);
    expect(prod[1]).toContain('npx pulumi config set alt:apiDomainName collect.<your-domain>');
    // Nothing in the committed files is a stand-in for an account-specific value.
    for (const stack of ['dev', 'prod'] as const)
      expect(JSON.stringify(stackYamlConfig(stack))).not.toMatch(
        /123456789012|999999999999|placeholder|example\.com/,
      );
  });

  it('refuses placeholder values and says which key to set and with what', () => {
    const dev = rawConfig('dev');
    const prod = rawConfig('prod');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        {
          ...dev,
          certificateArn:
            'arn:aws:acm:eu-west-1:123456789012:certificate/3f1c9a2e-7b4d-4e8a-9c21-5d6e7f809a1b',
        },
        'certificateArn',
        /account 123456789012 is an example account\) — set it with `npx pulumi config set alt:certificateArn arn:aws:acm:/,
      ],
      [
        {
          ...dev,
          certificateArn:
            'arn:aws:acm:eu-west-1:210987654321:certificate/00000000-0000-0000-0000-000000000000',
        },
        'certificateArn',
        /the id is all one digit/,
      ],
      [
        {
          ...dev,
          certificateArn:
            'arn:aws:acm:eu-west-1:210987654321:certificate/11111111-1111-1111-1111-111111111111',
        },
        'certificateArn',
        /the id is all one digit/,
      ],
      [{ ...prod, apiDomainName: 'collect.example.com' }, 'apiDomainName', /example\.com-style hosts/],
      [{ ...prod, alarmEmail: 'ops@example.com' }, 'alarmEmail', /example\.com-style hosts/],
      [
        {
          ...prod,
          snowflake: {
            ...(prod.snowflake as object),
            principalArn: 'arn:aws:iam::999999999999:user/snowflake-placeholder',
          },
        },
        'snowflake.principalArn',
        /account 999999999999 is an example account\) — set it with `npx pulumi config set --path 'alt:snowflake.principalArn' .*DESC INTEGRATION/,
      ],
      [
        {
          ...prod,
          snowflake: {
            ...(prod.snowflake as object),
            sqsArn: 'arn:aws:sqs:eu-west-1:386209384616:sf-snowpipe-placeholder',
          },
        },
        'snowflake.sqsArn',
        /it says placeholder\) — .*SHOW EXTERNAL TABLES/,
      ],
      [
        { ...dev, certificateArn: 'arn:aws:acm:eu-west-1:<account>:certificate/<id>' },
        'certificateArn',
        /template with <…> left in/,
      ],
    ];
    for (const [raw, key, message] of cases) {
      const problems = problemsOf(raw);
      expect(problems, key).toHaveLength(1);
      expect(problems[0]?.startsWith(`${key}: `), problems[0]).toBe(true);
      expect(problems[0]).toMatch(message);
    }
  });

  it('Snowflake: the first pass needs only database, schema and external id; the second adds principal and queue', () => {
    const {
      principalArn: _p,
      sqsArn: _q,
      ...firstPass
    } = rawConfig('prod').snowflake as Record<string, unknown>;
    expect(Object.keys(firstPass).sort()).toEqual(['database', 'externalId', 'schema']);
    expect(validateConfig({ ...rawConfig('prod'), snowflake: firstPass }).snowflake).toEqual(firstPass);
    expect(validateConfig(rawConfig('prod')).snowflake).toMatchObject(TEST_SNOWFLAKE);
    expect(validateConfig(rawConfig('dev')).snowflake).not.toHaveProperty('principalArn');
  });

  it('refuses an Aurora version outside the documented Serverless v2 range, and 0 ACU on a minor without it', () => {
    const dev = rawConfig('dev');
    expect(validateConfig(dev).aurora.engineVersion).toBe(AURORA_ENGINE_VERSION);
    const [major, minor] = AURORA_ENGINE_VERSION.split('.').map(Number) as [number, number];
    expect(minor).toBeGreaterThanOrEqual(SERVERLESS_V2_VERSIONS[major]?.zeroAcu ?? Number.POSITIVE_INFINITY);
    for (const engineVersion of ['15.1', '17.1', '14.12', '16', 'latest']) {
      const problems = problemsOf({ ...dev, aurora: { engineVersion } });
      expect(problems, engineVersion).toHaveLength(1);
      expect(problems[0]).toMatch(
        new RegExp(
          `^aurora\\.engineVersion: "${engineVersion}" is not an Aurora PostgreSQL version documented for Serverless v2 \\(15\\.2\\+, 16\\.1\\+, 17\\.4\\+\\)`,
        ),
      );
      expect(problems[0]).toContain(
        'aws rds describe-orderable-db-instance-options --engine aurora-postgresql --db-instance-class db.serverless',
      );
    }
    expect(problemsOf({ ...dev, aurora: { engineVersion: '16.2', minCapacity: 0 } })).toEqual([
      'aurora.minCapacity: 0 ACU (auto-pause) needs Aurora PostgreSQL 16.3 or later, got 16.2',
    ]);
    expect(problemsOf({ ...dev, aurora: { engineVersion: '16.3', minCapacity: 0 } })).toEqual([]);
    expect(problemsOf({ ...dev, aurora: { engineVersion: '15.2' } })).toEqual([]);
  });

  it('originVerifySecret: a 32–128 character token, only with routeApiThroughCdn, never echoed', () => {
    const good = 'k3Yq8v_Zt-2mWnX4pL9sR6uB1cD5eF7gH0jA';
    expect(validateConfig({ ...rawConfig('prod'), originVerifySecret: good }).originVerifySecret).toBe(good);
    const short = problemsOf({ ...rawConfig('prod'), originVerifySecret: 'abc*' });
    expect(short).toEqual([expect.stringMatching(/^originVerifySecret: expected 32–128 characters/)]);
    expect(short.join()).not.toContain('abc*');
    expect(problemsOf({ ...rawConfig('dev'), originVerifySecret: good })).toEqual([
      'originVerifySecret: only used when routeApiThroughCdn is true',
    ]);
  });

  it('alt:preset sets the defaults from the cost model’s shape; the stack file’s keys still win', () => {
    const dev = rawConfig('dev');
    const { preset: _, ...bare } = dev;
    // Without a preset the dev file alone decides, as before presets.
    const legacy = validateConfig(bare);
    expect(validateConfig(dev)).toEqual({ ...legacy, preset: 'current' });
    const small = validateConfig({
      region: 'eu-west-1',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      certificateArn: dev.certificateArn,
      artifactsDir: dev.artifactsDir,
      preset: 'small',
    });
    const shape = PRESETS.small;
    expect(small).toMatchObject({
      waf: shape.waf,
      beaconCdn: false,
      routeApiThroughCdn: shape.ingestThroughCdn,
      interfaceEndpoints: shape.endpoints.services,
      streamMode: 'provisioned',
      streamShards: 1,
      collector: { instanceType: shape.collector.instanceType.slice(4), publicIp: true, minSize: 1 },
      aurora: { instances: 1, minCapacity: shape.aurora.minCapacity },
    });
    // An explicit key overrides the preset.
    const withWaf = validateConfig({ ...bare, preset: 'small', waf: true, streamShards: 3 });
    expect(withWaf).toMatchObject({ waf: true, streamShards: 3 });
  });

  it('loadBalancer: the scale preset’s NLB, refused with WAF or CloudFront in front, naming the key', () => {
    const { preset: _, ...bare } = rawConfig('dev');
    expect(validateConfig(bare).loadBalancer).toBe('alb');
    expect(validateConfig({ ...bare, preset: 'scale' })).toMatchObject({ loadBalancer: 'nlb', waf: false });
    expect(validateConfig({ ...bare, preset: 'small' }).loadBalancer).toBe('alb');
    expect(problemsOf({ ...bare, loadBalancer: 'gwlb' })).toEqual([
      'loadBalancer: expected alb or nlb, got "gwlb"',
    ]);
    // The dev file keeps its WAF: with an NLB that is refused, and how to keep either is said.
    expect(problemsOf({ ...bare, loadBalancer: 'nlb' })).toEqual([
      expect.stringMatching(/^waf: a web ACL cannot protect an NLB — set loadBalancer: alb/),
    ]);
    expect(
      problemsOf({
        ...bare,
        preset: 'scale',
        routeApiThroughCdn: true,
        beaconCdn: true,
        apiDomainName: 'c.alt.test',
      }),
    ).toEqual([
      expect.stringMatching(/^routeApiThroughCdn: \/v1\/\* through CloudFront needs loadBalancer: alb/),
    ]);
    // Back to the ALB, WAF is allowed on scale again.
    expect(validateConfig({ ...bare, preset: 'scale', loadBalancer: 'alb', waf: true })).toMatchObject({
      loadBalancer: 'alb',
      waf: true,
    });
  });

  it('sizes a provisioned stream from expectedHitsPerSecond with the model’s own shard count', () => {
    const { preset: _, ...bare } = rawConfig('dev');
    const at = (hitsPerSecond: number) =>
      validateConfig({ ...bare, preset: 'scale', expectedHitsPerSecond: hitsPerSecond }).streamShards;
    expect(at(5000)).toBe(shardsFor('scale', 5000));
    expect(at(50_000)).toBeGreaterThan(at(5000) as number);
    expect(problemsOf({ ...bare, streamMode: 'provisioned' })).toEqual([
      expect.stringMatching(/^streamShards: not set, and streamMode is provisioned/),
    ]);
  });

  it('refuses preset combinations the stack cannot build, saying why', () => {
    const { preset: _, ...bare } = rawConfig('dev');
    expect(problemsOf({ ...bare, preset: 'medium' })[0]).toBe(
      'preset: expected one of small, scale, current, got "medium"',
    );
    expect(
      problemsOf({ ...bare, beaconCdn: false, routeApiThroughCdn: true, apiDomainName: 'c.alt.test' }),
    ).toEqual([expect.stringMatching(/^beaconCdn: false, but routeApiThroughCdn is true/)]);
    expect(problemsOf({ ...bare, interfaceEndpoints: ['secretsmanager'] })).toEqual([
      expect.stringMatching(
        /^interfaceEndpoints: missing kinesis-streams, logs, monitoring, autoscaling — a private collector/,
      ),
    ]);
    expect(problemsOf({ ...bare, preset: 'small', interfaceEndpoints: [] })).toEqual([
      expect.stringMatching(/^interfaceEndpoints: missing secretsmanager — the migration Lambda/),
    ]);
    expect(problemsOf({ ...bare, preset: 'scale', rawIaDays: 10 })[0]).toMatch(
      /^rawStandardDays: expected an integer from 30/,
    );
    // A public collector does not depend on the endpoints, so prod may keep them in one AZ.
    const prod = rawConfig('prod');
    expect(problemsOf({ ...prod, singleAzEndpoints: true })).toEqual([
      'singleAzEndpoints: must be false in prod while the collector is private',
    ]);
    expect(
      problemsOf({
        ...prod,
        preset: 'scale',
        routeApiThroughCdn: false,
        cdnDomainName: undefined,
        cdnCertificateArn: undefined,
      }),
    ).toEqual([]);
  });
});
