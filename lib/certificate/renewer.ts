/**
 * The certificate renewer's I/O shell: ACM, Route 53, Secrets Manager and an ACME CA around the
 * pure decisions of `renewal.ts`. One run:
 *
 *   1. reads its state secret (the ACME account key, and the ARN of the certificate it imported);
 *      on the first run there is none: it makes an ECDSA P-256 account key and stores it;
 *   2. DescribeCertificate on that ARN: with `renewDaysBefore` days or more left, it stops there;
 *   3. otherwise orders a certificate for `domain` with a fresh ECDSA P-256 key, answering DNS-01
 *      in Route 53 (UPSERT `_acme-challenge.<domain>` TXT, wait until the change is INSYNC — then
 *      every Route 53 name server answers with it, https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html —
 *      and DELETE it once the CA has validated, or failed to);
 *   4. trims the chain to leaf + one intermediate and imports it into ACM — onto the same ARN when
 *      there is one: a re-import before expiry keeps the certificate's associations with other AWS
 *      services, so the listener serves the new one without a deploy (tags cannot be given on a
 *      re-import, and the key type cannot change: https://docs.aws.amazon.com/acm/latest/userguide/import-reimport.html);
 *   5. records the ARN in the state secret after a first import.
 *
 * Returns the ARN, which the stack's first invocation hands to the listener.
 */
import { ACMClient, DescribeCertificateCommand, ImportCertificateCommand } from '@aws-sdk/client-acm';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as acme from 'acme-client';
import { renewalDecision, trimChain } from './renewal.ts';

export interface RenewerConfig {
  domain: string;
  hostedZoneId: string;
  directoryUrl: string;
  contactEmail: string;
  /** CN of the root the served intermediate must chain to (e.g. "ISRG Root X2"). */
  trustedRoot: string;
  renewDaysBefore: number;
  /** Secrets Manager secret holding the renewer's state (JSON, `RenewerState`). */
  stateSecretId: string;
}

/** What the state secret holds. */
export interface RenewerState {
  accountKeyPem: string;
  certificateArn?: string;
}

export interface RenewerClients {
  acm: ACMClient;
  route53: Route53Client;
  secrets: SecretsManagerClient;
}

export interface RenewerOptions {
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** How often and how long to poll GetChange for INSYNC (Route 53 usually takes under 60 s). */
  changePollMs?: number;
  changeTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RenewerResult {
  certificateArn: string;
  renewed: boolean;
  notAfter: string;
  reason: string;
}

export const TXT_TTL_SECONDS = 60;

/** Route 53 wants a TXT value in quotes. */
const quoted = (value: string) => `"${value}"`;

export async function readState(
  secrets: SecretsManagerClient,
  secretId: string,
): Promise<RenewerState | undefined> {
  try {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) return undefined;
    const state = JSON.parse(out.SecretString) as Partial<RenewerState>;
    if (typeof state.accountKeyPem !== 'string')
      throw new Error(`the renewer's secret ${secretId} has no accountKeyPem`);
    return state as RenewerState;
  } catch (err) {
    // The stack creates the secret without a value: the first run finds no version to read.
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function writeState(
  secrets: SecretsManagerClient,
  secretId: string,
  state: RenewerState,
): Promise<void> {
  await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(state) }));
}

async function changeTxt(
  clients: RenewerClients,
  config: RenewerConfig,
  action: 'UPSERT' | 'DELETE',
  name: string,
  value: string,
): Promise<string | undefined> {
  const out = await clients.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: config.hostedZoneId,
      ChangeBatch: {
        Comment: `alt certificate renewer: DNS-01 for ${config.domain}`,
        Changes: [
          {
            Action: action,
            ResourceRecordSet: {
              Name: name,
              Type: 'TXT',
              TTL: TXT_TTL_SECONDS,
              ResourceRecords: [{ Value: quoted(value) }],
            },
          },
        ],
      },
    }),
  );
  return out.ChangeInfo?.Id;
}

async function waitInSync(
  route53: Route53Client,
  changeId: string,
  opts: Required<Pick<RenewerOptions, 'sleep' | 'changePollMs' | 'changeTimeoutMs'>>,
): Promise<void> {
  const deadline = Date.now() + opts.changeTimeoutMs;
  for (;;) {
    const out = await route53.send(new GetChangeCommand({ Id: changeId }));
    if (out.ChangeInfo?.Status === 'INSYNC') return;
    if (Date.now() >= deadline)
      throw new Error(`Route 53 change ${changeId} not INSYNC after ${opts.changeTimeoutMs} ms`);
    await opts.sleep(opts.changePollMs);
  }
}

export async function renewCertificate(
  clients: RenewerClients,
  config: RenewerConfig,
  options: RenewerOptions = {},
): Promise<RenewerResult> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const poll = {
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    changePollMs: options.changePollMs ?? 5_000,
    changeTimeoutMs: options.changeTimeoutMs ?? 300_000,
  };

  let state = await readState(clients.secrets, config.stateSecretId);
  if (!state) {
    state = { accountKeyPem: (await acme.crypto.createPrivateEcdsaKey('P-256')).toString() };
    await writeState(clients.secrets, config.stateSecretId, state);
    log('created the ACME account key');
  }

  let notAfter: Date | undefined;
  let certificateDomain: string | undefined;
  if (state.certificateArn) {
    const d = await clients.acm.send(
      new DescribeCertificateCommand({ CertificateArn: state.certificateArn }),
    );
    notAfter = d.Certificate?.NotAfter;
    certificateDomain = d.Certificate?.DomainName;
  }
  // A changed domainName (the stack re-runs the renewer at deploy) re-imports onto the same ARN:
  // ACM lets a re-import change the names.
  const decision = renewalDecision({
    notAfter,
    now: now(),
    renewDaysBefore: config.renewDaysBefore,
    certificateDomain,
    domain: config.domain,
  });
  log(`${config.domain}: ${decision.reason}`);
  if (!decision.renew && state.certificateArn && notAfter)
    return {
      certificateArn: state.certificateArn,
      renewed: false,
      notAfter: notAfter.toISOString(),
      reason: decision.reason,
    };

  const client = new acme.Client({ directoryUrl: config.directoryUrl, accountKey: state.accountKeyPem });
  const [key, csr] = await acme.crypto.createCsr(
    { commonName: config.domain, altNames: [config.domain] },
    await acme.crypto.createPrivateEcdsaKey('P-256'),
  );
  const pem = await client.auto({
    csr,
    email: config.contactEmail,
    termsOfServiceAgreed: true,
    challengePriority: ['dns-01'],
    preferredChain: config.trustedRoot,
    // acme-client would look the TXT record up itself; INSYNC already means every Route 53 name
    // server answers with it, and a resolver's cached NXDOMAIN would only delay the order.
    skipChallengeVerification: true,
    challengeCreateFn: async (authz, _challenge, keyAuthorization) => {
      const name = `_acme-challenge.${authz.identifier.value}`;
      const id = await changeTxt(clients, config, 'UPSERT', name, keyAuthorization);
      if (!id) throw new Error(`Route 53 returned no change id for ${name}`);
      await waitInSync(clients.route53, id, poll);
      log(`${name} TXT in sync`);
    },
    challengeRemoveFn: async (authz, _challenge, keyAuthorization) => {
      const name = `_acme-challenge.${authz.identifier.value}`;
      await changeTxt(clients, config, 'DELETE', name, keyAuthorization);
      log(`${name} TXT removed`);
    },
  });
  const trimmed = trimChain(pem, config.trustedRoot);
  const firstImport = !state.certificateArn;
  const imported = await clients.acm.send(
    new ImportCertificateCommand({
      Certificate: Buffer.from(trimmed.certificate),
      PrivateKey: Buffer.from(key),
      CertificateChain: Buffer.from(trimmed.chain),
      // Re-import keeps the ARN, so the listener's certificateArn never changes. Tags only on the
      // first import: ACM refuses them on a re-import.
      ...(firstImport
        ? { Tags: [{ Key: 'alt:managed-certificate', Value: config.domain }] }
        : { CertificateArn: state.certificateArn }),
    }),
  );
  const certificateArn = imported.CertificateArn ?? state.certificateArn;
  if (!certificateArn) throw new Error('ImportCertificate returned no CertificateArn');
  if (firstImport) await writeState(clients.secrets, config.stateSecretId, { ...state, certificateArn });
  log(
    `${firstImport ? 'imported' : 're-imported'} ${certificateArn}: valid until ${trimmed.notAfter.toISOString()}, ${trimmed.dropped} certificate(s) of the CA's chain left out`,
  );
  return {
    certificateArn,
    renewed: true,
    notAfter: trimmed.notAfter.toISOString(),
    reason: decision.reason,
  };
}

export function defaultClients(region?: string): RenewerClients {
  return {
    acm: new ACMClient({ region }),
    route53: new Route53Client({ region }),
    secrets: new SecretsManagerClient({ region }),
  };
}
