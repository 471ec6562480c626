/** The stack config: both checked-in stacks validate; each kind of mistake is refused by name. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackConfigError, validateConfig } from './config.ts';
import { parseValue } from './read-config.ts';
import { createPlaceholderArtifacts, stackYamlConfig } from './testing/harness.ts';

let artifacts: string;
beforeAll(() => {
  artifacts = createPlaceholderArtifacts();
});
afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

/** `Pulumi.<stack>.yaml` → the raw object `readStackConfig` builds, with placeholder artifacts. */
function rawConfig(stack: 'dev' | 'prod'): Record<string, unknown> {
  const yaml = stackYamlConfig(stack);
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
  it('accepts the checked-in dev and prod stacks', () => {
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
      expect(problems).toHaveLength(4);
      expect(problems[0]).toContain('run `npx tsx infra/build/main.ts --out');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
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
});
