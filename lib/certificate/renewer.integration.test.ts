/**
 * The renewer against a real ACME server: Debian's pebble (Let's Encrypt's test CA) and its
 * pebble-challtestsrv as the DNS server pebble validates DNS-01 against. Only the AWS SDK is
 * mocked: the Route 53 mock writes the TXT record it is given into challtestsrv (and clears it on
 * DELETE), so pebble's validation is a real DNS lookup of what the renewer asked Route 53 for; the
 * ACM mock records ImportCertificate and answers DescribeCertificate from what was imported; the
 * Secrets Manager mock holds the state secret. `.ci/run` installs pebble; in CI a missing pebble
 * fails instead of skipping.
 */
import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import {
  ACMClient,
  DescribeCertificateCommand,
  ImportCertificateCommand,
  type ImportCertificateCommandInput,
} from '@aws-sdk/client-acm';
import {
  type Change,
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import * as acme from 'acme-client';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPemChain, trimChain } from './renewal.ts';
import { type RenewerConfig, renewCertificate } from './renewer.ts';
import { type Pebble, pebbleAvailable, startPebble } from './testing/pebble.ts';

const DOMAIN = 'collect.alt-renewer.test';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const ARN = 'arn:aws:acm:eu-west-1:210987654321:certificate/0c7e5a1d-9f3b-4d2e-8a6c-1b2c3d4e5f60';
const DAY = 86_400_000;

describe.skipIf(!pebbleAvailable)('the certificate renewer against pebble (real ACME, DNS-01)', () => {
  let pebble: Pebble;
  const roots = () => pebble.roots;

  const acm = mockClient(ACMClient);
  const route53 = mockClient(Route53Client);
  const secrets = mockClient(SecretsManagerClient);
  const clients = {
    acm: new ACMClient({ region: 'eu-west-1' }),
    route53: new Route53Client({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
  };
  let secretString: string | undefined;
  const imports: ImportCertificateCommandInput[] = [];
  const txtChanges: { action: string; name: string; value: string; resolvedWhileSet?: string[][] }[] = [];
  let describes = 0;

  beforeAll(async () => {
    pebble = await startPebble();
    // acme-client talks through its own axios instance: trust pebble's certificate there.
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: pebble.tlsCa });

    secrets.on(GetSecretValueCommand).callsFake(async () => {
      if (secretString === undefined)
        throw Object.assign(new Error("Secrets Manager can't find the specified secret value"), {
          name: 'ResourceNotFoundException',
        });
      return { SecretString: secretString };
    });
    secrets.on(PutSecretValueCommand).callsFake(async (input: { SecretString?: string }) => {
      secretString = input.SecretString;
      return {};
    });
    let changes = 0;
    const polled = new Map<string, number>();
    route53.on(ChangeResourceRecordSetsCommand).callsFake(async (input) => {
      expect(input.HostedZoneId).toBe(ZONE);
      for (const c of input.ChangeBatch.Changes as Change[]) {
        const rr = c.ResourceRecordSet;
        expect(rr?.Type).toBe('TXT');
        const name = rr?.Name as string;
        const value = (rr?.ResourceRecords?.[0]?.Value ?? '').replace(/^"|"$/g, '');
        const entry: (typeof txtChanges)[number] = { action: c.Action as string, name, value };
        txtChanges.push(entry);
        if (c.Action === 'DELETE') await pebble.clearTxt(name);
        else {
          await pebble.setTxt(name, value);
          entry.resolvedWhileSet = await pebble.resolveTxt(name);
        }
      }
      changes += 1;
      return { ChangeInfo: { Id: `/change/C${changes}`, Status: 'PENDING', SubmittedAt: new Date() } };
    });
    // PENDING once, then INSYNC: the renewer must wait for it before answering the challenge.
    route53.on(GetChangeCommand).callsFake(async (input: { Id: string }) => {
      const n = (polled.get(input.Id) ?? 0) + 1;
      polled.set(input.Id, n);
      return { ChangeInfo: { Id: input.Id, Status: n > 1 ? 'INSYNC' : 'PENDING', SubmittedAt: new Date() } };
    });
    acm.on(DescribeCertificateCommand).callsFake(async (input: { CertificateArn: string }) => {
      describes += 1;
      expect(input.CertificateArn).toBe(ARN);
      const last = imports.at(-1);
      const leaf = new X509Certificate(Buffer.from(last?.Certificate as Uint8Array));
      return {
        Certificate: {
          CertificateArn: ARN,
          NotAfter: leaf.validToDate,
          DomainName: leaf.subjectAltName?.replace(/^DNS:/, ''),
        },
      };
    });
    acm.on(ImportCertificateCommand).callsFake(async (input: ImportCertificateCommandInput) => {
      imports.push(input);
      return { CertificateArn: input.CertificateArn ?? ARN };
    });
  }, 60_000);

  afterAll(() => {
    pebble?.stop();
    acm.restore();
    route53.restore();
    secrets.restore();
  });

  const config = (): RenewerConfig => ({
    domain: DOMAIN,
    hostedZoneId: ZONE,
    directoryUrl: pebble.directoryUrl,
    contactEmail: 'ops@alt-renewer.test',
    // The alternate chain's root, as the stack asks Let's Encrypt for ISRG Root X2's.
    trustedRoot: roots()[1]?.cn as string,
    renewDaysBefore: 30,
    stateSecretId: 'alt-prod-certificate-renewer',
  });
  const noSleep = { sleep: async () => {}, changePollMs: 0 };
  const lastImport = () => imports.at(-1) as ImportCertificateCommandInput;
  const pem = (b: Uint8Array | undefined) => Buffer.from(b as Uint8Array).toString();

  it('issues on the first run: an ECDSA P-256 leaf and exactly one intermediate, imported into ACM', async () => {
    const result = await renewCertificate(clients, config(), noSleep);
    expect(result).toMatchObject({
      certificateArn: ARN,
      renewed: true,
      reason: 'no certificate imported yet',
    });
    expect(imports).toHaveLength(1);
    const imp = lastImport();
    // A first import: no ARN to re-import onto, the tag that marks it as the stack's.
    expect(imp.CertificateArn).toBeUndefined();
    expect(imp.Tags).toEqual([{ Key: 'alt:managed-certificate', Value: DOMAIN }]);
    const leaf = new X509Certificate(pem(imp.Certificate));
    expect(leaf.subjectAltName).toBe(`DNS:${DOMAIN}`);
    expect(leaf.publicKey.asymmetricKeyType).toBe('ec');
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // The private key ACM gets is the leaf's.
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const key = createPrivateKey(pem(imp.PrivateKey));
    expect(createPublicKey(key).export({ format: 'der', type: 'spki' })).toEqual(
      leaf.publicKey.export({ format: 'der', type: 'spki' }),
    );
    const chain = splitPemChain(pem(imp.CertificateChain));
    expect(chain).toHaveLength(1);
    const intermediate = new X509Certificate(chain[0] as string);
    expect(leaf.issuer).toBe(intermediate.subject);
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    // …and that intermediate is the alternate root's, verified by the root's own key.
    const root = new X509Certificate(roots()[1]?.pem as string);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    // The ARN is kept for the next runs.
    expect(JSON.parse(secretString as string)).toMatchObject({ certificateArn: ARN });
  });

  it('answered DNS-01 through Route 53: the TXT record served while pebble validated, removed after', async () => {
    const upserts = txtChanges.filter((c) => c.action === 'UPSERT');
    const deletes = txtChanges.filter((c) => c.action === 'DELETE');
    expect(upserts).toHaveLength(1);
    expect(upserts[0]?.name).toBe(`_acme-challenge.${DOMAIN}`);
    expect(upserts[0]?.resolvedWhileSet).toEqual([[upserts[0]?.value]]);
    expect(deletes).toEqual([{ action: 'DELETE', name: upserts[0]?.name, value: upserts[0]?.value }]);
    await expect(pebble.resolveTxt(`_acme-challenge.${DOMAIN}`)).rejects.toThrow();
    // The renewer waited for INSYNC (one PENDING answer) before telling pebble to validate.
    expect(route53.commandCalls(GetChangeCommand).length).toBeGreaterThanOrEqual(2);
  });

  it('does nothing but DescribeCertificate while more than 30 days remain', async () => {
    const notAfter = new X509Certificate(pem(lastImport().Certificate)).validToDate;
    const before = { imports: imports.length, route53: route53.calls().length, describes };
    const result = await renewCertificate(clients, config(), {
      ...noSleep,
      now: () => new Date(notAfter.getTime() - 60 * DAY),
    });
    expect(result).toMatchObject({
      certificateArn: ARN,
      renewed: false,
      reason: '60 days left, renewing below 30',
    });
    expect(describes).toBe(before.describes + 1);
    expect(imports).toHaveLength(before.imports);
    expect(route53.calls()).toHaveLength(before.route53);
  });

  it('re-imports onto the same ARN when fewer than 30 days remain', async () => {
    const first = pem(lastImport().Certificate);
    const notAfter = new X509Certificate(first).validToDate;
    // A new ACME account for this run: pebble reuses an account's still-valid authorization about one
    // order in a hundred even with PEBBLE_AUTHZREUSE=0 (it makes a new one only when
    // rand.Intn(100) > the setting), and then there would be no challenge to answer. It reuses only
    // the same account's, so this renewal always answers its own.
    const state = JSON.parse(secretString as string) as { accountKeyPem: string };
    state.accountKeyPem = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
    secretString = JSON.stringify(state);
    const result = await renewCertificate(clients, config(), {
      ...noSleep,
      now: () => new Date(notAfter.getTime() - 10 * DAY),
    });
    expect(result).toMatchObject({
      certificateArn: ARN,
      renewed: true,
      reason: '10 days left, fewer than 30',
    });
    expect(imports).toHaveLength(2);
    const imp = lastImport();
    expect(imp.CertificateArn).toBe(ARN);
    expect(imp.Tags).toBeUndefined();
    expect(pem(imp.Certificate)).not.toBe(first);
    expect(splitPemChain(pem(imp.CertificateChain))).toHaveLength(1);
    // Its own challenge record, cleaned up too.
    expect(txtChanges.map((c) => c.action)).toEqual(['UPSERT', 'DELETE', 'UPSERT', 'DELETE']);
  });

  it('trims what the CA sends to leaf + intermediate, and refuses an intermediate of another root', () => {
    const imp = lastImport();
    const leaf = pem(imp.Certificate);
    const intermediate = pem(imp.CertificateChain);
    // As Let's Encrypt's default ECDSA chain adds ISRG Root X2 cross-signed by X1: one more, dropped.
    const trimmed = trimChain(`${leaf}${intermediate}${roots()[1]?.pem}`, roots()[1]?.cn as string);
    expect(trimmed.dropped).toBe(1);
    expect(splitPemChain(trimmed.certificate + trimmed.chain)).toEqual(splitPemChain(leaf + intermediate));
    expect(() => trimChain(`${leaf}${intermediate}`, roots()[0]?.cn as string)).toThrow(
      /not the trusted root/,
    );
    expect(() => trimChain(leaf, roots()[1]?.cn as string)).toThrow(/expected a leaf and its intermediate/);
    expect(() => trimChain(`${intermediate}${leaf}`, roots()[1]?.cn as string)).toThrow(
      /ECDSA P-256|did not issue/,
    );
  });
});
