/**
 * The managed certificate (`alt:managedCertificate`): a Lambda that issues the listener's
 * certificate from an ACME CA (Let's Encrypt by default) and renews it (lib/certificate/renewer.ts),
 * run once at deploy — its result's ARN is the listener's certificate — and then daily by
 * EventBridge Scheduler. What it creates: the function and its log group, a secret for its state
 * (the ACME account key, created on the first run, and the imported certificate's ARN), a role that
 * may change only `_acme-challenge.<domain>` TXT records in the one hosted zone, import and describe
 * ACM certificates in the region, and read and write that secret; the schedule and its role.
 *
 * Why: ACM's own certificates chain through a cross-signed root, ~1.2 KB more in every full TLS
 * handshake than a leaf and one intermediate (bench/results/tls-handshake-bytes.json), and
 * certificates imported into ACM are not renewed by ACM
 * (https://docs.aws.amazon.com/acm/latest/userguide/import-certificate.html). Re-importing onto the
 * same ARN keeps the listener's reference (https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html).
 */
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { RENEWER_ENV } from '../../lib/certificate/renewer-entry.ts';
import type { Arch, ManagedCertificateConfig } from '../config.ts';
import { assumeRolePolicy, logStatement, policyDocument, servicePrincipal } from './iam.ts';
import { LAMBDA_RUNTIME, lambdaArchitecture } from './transformer.ts';

export interface ManagedCertificateArgs extends ManagedCertificateConfig {
  region: string;
  accountId: pulumi.Input<string>;
  bundleDir: string;
  architecture: Arch;
  logRetentionDays: number;
}

/** Once a day: a run that finds nothing to renew is one DescribeCertificate. */
export const RENEWAL_SCHEDULE = 'rate(1 day)';
/** An order waits for Route 53 to be INSYNC (usually < 60 s) and for the CA: minutes at worst. */
export const RENEWER_TIMEOUT_SECONDS = 600;
export const RENEWER_MEMORY_MB = 256;

/** The TXT record DNS-01 uses (RFC 8555 §8.4), as Route 53 normalises names: lower case, no final dot. */
export const challengeRecordName = (domain: string) => `_acme-challenge.${domain.toLowerCase()}`;

export class ManagedCertificate extends pulumi.ComponentResource {
  readonly stateSecret: aws.secretsmanager.Secret;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly role: aws.iam.Role;
  readonly rolePolicy: aws.iam.RolePolicy;
  readonly function: aws.lambda.Function;
  readonly invokeConfig: aws.lambda.FunctionEventInvokeConfig;
  /** The deploy-time run: issues the certificate on the first deploy, and its result names it. */
  readonly firstRun: aws.lambda.Invocation;
  readonly schedulerRole: aws.iam.Role;
  readonly schedulerRolePolicy: aws.iam.RolePolicy;
  readonly schedule: aws.scheduler.Schedule;
  /** The imported certificate's ARN (stable across renewals): the listener's certificate. */
  readonly certificateArn: pulumi.Output<string>;

  constructor(name: string, args: ManagedCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:certificate:ManagedCertificate', name, {}, opts);
    const parent = { parent: this };
    this.stateSecret = new aws.secretsmanager.Secret(
      `${name}-state`,
      {
        description: `ALT certificate renewer state for ${args.domainName}: ACME account key, certificate ARN`,
      },
      parent,
    );
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays },
      parent,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: assumeRolePolicy([servicePrincipal('lambda.amazonaws.com')]) },
      parent,
    );
    const certificates = pulumi.interpolate`arn:aws:acm:${args.region}:${args.accountId}:certificate/*`;
    this.rolePolicy = new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          {
            // Only the challenge record of the one name, in the one zone, and only TXT.
            // https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html
            Sid: 'ChallengeRecord',
            Effect: 'Allow',
            Action: 'route53:ChangeResourceRecordSets',
            Resource: `arn:aws:route53:::hostedzone/${args.hostedZoneId}`,
            Condition: {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
                  challengeRecordName(args.domainName),
                ],
                'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'],
                'route53:ChangeResourceRecordSetsActions': ['UPSERT', 'DELETE'],
              },
            },
          },
          // GetChange names a change, not a zone: change ids exist only once submitted.
          {
            Sid: 'ChangeStatus',
            Effect: 'Allow',
            Action: 'route53:GetChange',
            Resource: 'arn:aws:route53:::change/*',
          },
          {
            // A first import creates the ARN (with its tag), so the region's certificates.
            Sid: 'ImportCertificate',
            Effect: 'Allow',
            Action: ['acm:ImportCertificate', 'acm:DescribeCertificate', 'acm:AddTagsToCertificate'],
            Resource: certificates,
          },
          {
            Sid: 'State',
            Effect: 'Allow',
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
            Resource: this.stateSecret.arn,
          },
          logStatement(this.logGroup.arn),
        ]),
      },
      parent,
    );
    // No VPC: it talks to the ACME CA on the Internet and to AWS's public endpoints.
    this.function = new aws.lambda.Function(
      name,
      {
        runtime: LAMBDA_RUNTIME,
        architectures: [lambdaArchitecture(args.architecture)],
        handler: 'index.handler',
        code: new pulumi.asset.FileArchive(path.resolve(args.bundleDir)),
        role: this.role.arn,
        memorySize: RENEWER_MEMORY_MB,
        timeout: RENEWER_TIMEOUT_SECONDS,
        loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
        environment: {
          variables: {
            NODE_OPTIONS: '--enable-source-maps',
            [RENEWER_ENV.domain]: args.domainName,
            [RENEWER_ENV.hostedZoneId]: args.hostedZoneId,
            [RENEWER_ENV.directoryUrl]: args.directoryUrl,
            [RENEWER_ENV.contactEmail]: args.contactEmail,
            [RENEWER_ENV.trustedRoot]: args.trustedRoot,
            [RENEWER_ENV.renewDaysBefore]: String(args.renewDaysBefore),
            [RENEWER_ENV.stateSecretId]: this.stateSecret.arn,
          },
        },
      },
      { parent: this, dependsOn: [this.rolePolicy] },
    );
    // A failed scheduled run is retried by tomorrow's; Lambda's own two async retries would only
    // repeat an ACME order minutes apart (and count against the CA's rate limits).
    this.invokeConfig = new aws.lambda.FunctionEventInvokeConfig(
      `${name}-async`,
      { functionName: this.function.name, maximumRetryAttempts: 0 },
      parent,
    );
    // Runs at deploy, again whenever what it issues for changes. On a first deploy it issues and
    // imports; afterwards it returns the same ARN (renewing only if due).
    const trigger = {
      domainName: args.domainName,
      hostedZoneId: args.hostedZoneId,
      directoryUrl: args.directoryUrl,
      trustedRoot: args.trustedRoot,
    };
    this.firstRun = new aws.lambda.Invocation(
      `${name}-first-run`,
      { functionName: this.function.name, input: JSON.stringify(trigger), triggers: trigger },
      { parent: this, dependsOn: [this.rolePolicy] },
    );
    this.certificateArn = this.firstRun.result.apply((r) => certificateArnOf(r));
    this.schedulerRole = new aws.iam.Role(
      `${name}-scheduler-role`,
      {
        assumeRolePolicy: assumeRolePolicy([
          {
            ...servicePrincipal('scheduler.amazonaws.com'),
            Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
          },
        ]),
      },
      parent,
    );
    this.schedulerRolePolicy = new aws.iam.RolePolicy(
      `${name}-scheduler-policy`,
      {
        role: this.schedulerRole.id,
        policy: policyDocument([
          {
            Sid: 'InvokeRenewer',
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: this.function.arn,
          },
        ]),
      },
      parent,
    );
    this.schedule = new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        description: `ALT: renew the certificate for ${args.domainName} when fewer than ${args.renewDaysBefore} days remain`,
        scheduleExpression: RENEWAL_SCHEDULE,
        flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 60 },
        target: {
          arn: this.function.arn,
          roleArn: this.schedulerRole.arn,
          retryPolicy: { maximumRetryAttempts: 0 },
        },
      },
      { parent: this, dependsOn: [this.firstRun, this.schedulerRolePolicy] },
    );
    this.registerOutputs({ certificateArn: this.certificateArn, functionName: this.function.name });
  }
}

/** The ARN in the renewer's result (lib/certificate/renewer.ts `RenewerResult`), or a clear failure. */
export function certificateArnOf(result: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(result);
  } catch {
    throw new Error(`certificate renewer: its result is not JSON: ${result.slice(0, 200)}`);
  }
  const arn = (parsed as { certificateArn?: unknown } | null)?.certificateArn;
  if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:acm:/.test(arn))
    throw new Error(`certificate renewer: its result names no ACM certificate: ${result.slice(0, 200)}`);
  return arn;
}
