/**
 * `alt:managedCertificate` on the `scale` preset, built under the Pulumi mocks: the relations that
 * make the renewer the listener's certificate source — the listener's certificate is the first
 * run's result, the role can touch only the challenge record of the one zone, the schedule runs
 * the renewer, its failures alarm — and the config's refusals.
 */
import { rmSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimate } from '../lib/cost/model.ts';
import { PRESETS } from '../lib/cost/presets.ts';
import { challengeRecordName, RENEWAL_SCHEDULE } from './components/managed-certificate.ts';
import { LETS_ENCRYPT_DIRECTORY, validateConfig } from './config.ts';
import { runAllChecks } from './policies/checks.ts';
import { readStackConfig } from './read-config.ts';
import { createStack } from './stack.ts';
import {
  ACCOUNT_ID,
  createPlaceholderArtifacts,
  type GraphNode,
  installMocks,
  type MockRun,
  resolve,
  settle,
} from './testing/harness.ts';

const ZONE = 'Z04417362B5Q0KXQ2J1VB';
const DOMAIN = 'collect.alt.test';
const managedCertificate = { hostedZoneId: ZONE, domainName: DOMAIN, contactEmail: 'ops@alt.test' };

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON
type Inputs = Record<string, any>;

describe('the scale preset with managedCertificate', () => {
  let run: MockRun;
  let artifacts: string;
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    artifacts = createPlaceholderArtifacts();
    const config: Record<string, unknown> = {
      preset: 'scale',
      environment: 'prod',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      managedCertificate,
      apiDomainName: DOMAIN,
      expectedHitsPerSecond: 5000,
      aurora: { deletionProtection: true, backupRetentionDays: 14, maxCapacity: 16 },
      artifactsDir: artifacts,
    };
    run = await installMocks('managed-certificate', 'eu-west-1');
    pulumi.runtime.setAllConfig({
      'aws:region': 'eu-west-1',
      ...Object.fromEntries(
        Object.entries(config).map(([k, v]) => [`alt:${k}`, typeof v === 'string' ? v : JSON.stringify(v)]),
      ),
    });
    const stack = createStack(readStackConfig(new pulumi.Config('alt'), new pulumi.Config('aws')));
    outputs = (await resolve(pulumi.all(stack.outputs))) as Record<string, unknown>;
    await settle();
  }, 60_000);
  afterAll(() => rmSync(artifacts, { recursive: true, force: true }));

  const one = (type: string, name?: RegExp): GraphNode & { inputs: Inputs } => {
    const found = run.graph.ofType(type).filter((n) => !name || name.test(n.name));
    expect(found, `${type} ${name ?? ''}`).toHaveLength(1);
    return found[0] as GraphNode & { inputs: Inputs };
  };
  const renewer = () => one('aws:lambda/function:Function', /-certificate$/);
  const firstRun = () => one('aws:lambda/invocation:Invocation', /-certificate-first-run$/);

  it('serves on the NLB listener the certificate the renewer’s first run returned', () => {
    const listener = one('aws:lb/listener:Listener');
    const invocation = firstRun();
    expect(invocation.inputs.functionName).toBe(renewer().state?.name);
    const arn = JSON.parse(invocation.state?.result as string).certificateArn;
    expect(listener.inputs.certificateArn).toBe(arn);
    // The value flowed from the invocation's output, so the listener waits for the certificate.
    expect(listener.propertyDependencies.certificateArn).toEqual([invocation.urn]);
    expect(run.graph.waitsFor(listener, invocation)).toBe(true);
    expect(outputs.certificateArn).toBe(arn);
  });

  it('runs the renewer once its role policy exists', () => {
    const policy = one('aws:iam/rolePolicy:RolePolicy', /-certificate-policy$/);
    expect(run.graph.waitsFor(firstRun(), policy)).toBe(true);
    expect(run.graph.waitsFor(renewer(), policy)).toBe(true);
    expect(renewer().inputs.role).toBe(one('aws:iam/role:Role', /-certificate-role$/).state?.arn);
  });

  it('lets the renewer change only the challenge TXT record in the one zone', () => {
    const policy = one('aws:iam/rolePolicy:RolePolicy', /-certificate-policy$/);
    const statements = JSON.parse(policy.inputs.policy).Statement as Inputs[];
    const change = statements.filter((s) => [s.Action].flat().includes('route53:ChangeResourceRecordSets'));
    expect(change).toHaveLength(1);
    expect(change[0]?.Resource).toBe(`arn:aws:route53:::hostedzone/${ZONE}`);
    expect(change[0]?.Condition['ForAllValues:StringEquals']).toEqual({
      'route53:ChangeResourceRecordSetsNormalizedRecordNames': [`_acme-challenge.${DOMAIN}`],
      'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
      'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
    });
    expect(challengeRecordName('Collect.ALT.test')).toBe(`_acme-challenge.${DOMAIN}`);
    // Secrets Manager: the state secret only; ACM: this region and account only.
    const secret = one('aws:secretsmanager/secret:Secret', /-certificate-state$/);
    const sm = statements.find((s) => s.Sid === 'State');
    expect(sm?.Resource).toBe(secret.state?.arn);
    expect(sm?.Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
    const acm = statements.find((s) => s.Sid === 'ImportCertificate');
    expect(acm?.Resource).toBe(`arn:aws:acm:eu-west-1:${ACCOUNT_ID}:certificate/*`);
    expect(renewer().inputs.environment.variables.ALT_CERT_STATE_SECRET_ID).toBe(secret.state?.arn);
    // Nothing else in the stack may write DNS.
    const others = run.graph
      .ofType('aws:iam/rolePolicy:RolePolicy')
      .filter((p) => p !== policy)
      .flatMap((p) => JSON.parse((p.inputs as Inputs).policy).Statement as Inputs[]);
    expect(others.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('route53:'))).toEqual([]);
  });

  it('runs the renewer daily from EventBridge Scheduler, with a role that may invoke only it', () => {
    const schedule = one('aws:scheduler/schedule:Schedule', /-certificate-schedule$/);
    expect(schedule.inputs.scheduleExpression).toBe(RENEWAL_SCHEDULE);
    expect(schedule.inputs.target.arn).toBe(renewer().state?.arn);
    const role = one('aws:iam/role:Role', /-certificate-scheduler-role$/);
    expect(schedule.inputs.target.roleArn).toBe(role.state?.arn);
    const policy = one('aws:iam/rolePolicy:RolePolicy', /-certificate-scheduler-policy$/);
    expect(JSON.parse(policy.inputs.policy).Statement).toEqual([
      {
        Sid: 'InvokeRenewer',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: renewer().state?.arn,
      },
    ]);
    // The daily runs start after the deploy's own.
    expect(run.graph.waitsFor(schedule, firstRun())).toBe(true);
  });

  it('alarms on the renewer’s errors, and prices what it builds', () => {
    const alarms = run.graph.ofType('aws:cloudwatch/metricAlarm:MetricAlarm');
    const renewerAlarm = alarms.filter(
      (a) => (a.inputs as Inputs).dimensions?.FunctionName === renewer().state?.name,
    );
    expect(renewerAlarm).toHaveLength(1);
    expect(renewerAlarm[0]?.inputs).toMatchObject({
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      threshold: 0,
    });
    expect(PRESETS.scale.certificate).toBe('managed');
    const e = estimate({ preset: 'scale', hitsPerSecond: 5000, region: 'eu-west-1' });
    expect(e.items.find((i) => i.priceId === 'cloudwatch.alarm')?.quantity).toBe(alarms.length);
    expect(e.items.find((i) => i.priceId === 'secrets.secret')?.quantity).toBe(
      run.graph.ofType('aws:secretsmanager/secret:Secret').length + 1, // + Aurora's RDS-managed secret
    );
  });

  it('passes the policy checks', () => {
    expect(runAllChecks(run.resources)).toEqual([]);
  });
});

describe('managedCertificate config', () => {
  const base = {
    region: 'eu-west-1',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    artifactsDir: '/nowhere',
  };
  const problems = (raw: Record<string, unknown>) => {
    try {
      validateConfig({ ...base, ...raw }, { checkArtifacts: false });
      return [];
    } catch (err) {
      return (err as { problems: string[] }).problems;
    }
  };

  it('fills in Let’s Encrypt, ISRG Root X2 and 30 days', () => {
    const c = validateConfig({ ...base, managedCertificate }, { checkArtifacts: false });
    expect(c.managedCertificate).toEqual({
      ...managedCertificate,
      directoryUrl: LETS_ENCRYPT_DIRECTORY,
      trustedRoot: 'ISRG Root X2',
      renewDaysBefore: 30,
    });
    expect(c.certificateArn).toBeUndefined();
  });

  it('wants exactly one of certificateArn and managedCertificate', () => {
    expect(
      problems({
        managedCertificate,
        certificateArn: 'arn:aws:acm:eu-west-1:210987654321:certificate/6a1f0e2d-3c4b-4a59-8e7d-1f2a3b4c5d6e',
      }),
    ).toEqual([expect.stringMatching(/^certificateArn \/ managedCertificate: set one, not both/)]);
    expect(problems({})).toEqual([
      expect.stringMatching(/^certificateArn: not set.*or set managedCertificate/),
    ]);
  });

  it('names each bad field', () => {
    expect(
      problems({
        managedCertificate: {
          hostedZoneId: 'zone-1',
          domainName: '*.alt.test',
          contactEmail: 'nobody',
          directoryUrl: 'http://acme.test/dir',
          renewDaysBefore: 89,
          keyType: 'rsa',
        },
      }).map((p) => p.split(':')[0]),
    ).toEqual([
      'managedCertificate.hostedZoneId',
      'managedCertificate.domainName',
      'managedCertificate.contactEmail',
      'managedCertificate.directoryUrl',
      'managedCertificate.renewDaysBefore',
      'managedCertificate.keyType',
    ]);
    expect(problems({ managedCertificate, apiDomainName: 'api.alt.test' })).toEqual([
      expect.stringMatching(/^apiDomainName: "api\.alt\.test" is not the managed certificate's domainName/),
    ]);
  });

  it('needs the renewer’s artifact only when set', () => {
    const withArtifacts = (raw: Record<string, unknown>) => {
      try {
        validateConfig({ ...base, ...raw, artifactsDir: '/nowhere' });
        return [];
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
    };
    expect(
      withArtifacts({ managedCertificate }).some((p) => p.includes('/nowhere/certificate-renewer')),
    ).toBe(true);
    expect(
      withArtifacts({
        certificateArn: 'arn:aws:acm:eu-west-1:210987654321:certificate/6a1f0e2d-3c4b-4a59-8e7d-1f2a3b4c5d6e',
      }).some((p) => p.includes('certificate-renewer')),
    ).toBe(false);
  });
});
