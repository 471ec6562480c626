/**
 * The renewer's AWS calls as they go over the wire, which the mocked-client test never serialises:
 * real SDK clients pointed (`endpoint`) at a small local server that speaks just enough of ACM and
 * Secrets Manager (JSON 1.1, `X-Amz-Target`) and Route 53 (REST-XML) for one issuance, against
 * pebble. What it catches: the Route 53 TXT value's quoting as XML, the PEM blobs ACM receives
 * (base64 in JSON), DescribeCertificate's NotAfter (epoch seconds) read back as a Date, and
 * Secrets Manager's ResourceNotFoundException on the first run.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import { ACMClient } from '@aws-sdk/client-acm';
import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as acme from 'acme-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPemChain } from './renewal.ts';
import { renewCertificate } from './renewer.ts';
import { type Pebble, pebbleAvailable, startPebble } from './testing/pebble.ts';

const DOMAIN = 'wire.alt-renewer.test';
const ZONE = 'Z0987654321ZYXWVUTSRQ';
const ARN = 'arn:aws:acm:eu-west-1:210987654321:certificate/9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
const DAY = 86_400_000;

/** What the fake AWS received, decoded. */
interface Seen {
  route53: { method: string; path: string; body: string }[];
  imports: Record<string, unknown>[];
  secret?: string;
}

const xmlText = (xml: string, tag: string) =>
  [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
    (m[1] as string).replaceAll('&quot;', '"').replaceAll('&amp;', '&'),
  );

function fakeAws(seen: Seen, pebble: () => Pebble): Server {
  let changes = 0;
  const json = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const xml = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const target = req.headers['x-amz-target'];
    if (target === 'secretsmanager.GetSecretValue') {
      if (seen.secret === undefined)
        return json(
          res,
          400,
          {
            __type: 'ResourceNotFoundException',
            Message: "Secrets Manager can't find the specified secret value",
          },
          'ResourceNotFoundException',
        );
      return json(res, 200, { ARN: 'arn:aws:secretsmanager:x', SecretString: seen.secret });
    }
    if (target === 'secretsmanager.PutSecretValue') {
      seen.secret = JSON.parse(body).SecretString;
      return json(res, 200, { ARN: 'arn:aws:secretsmanager:x', VersionId: `v${Date.now()}` });
    }
    if (target === 'CertificateManager.ImportCertificate') {
      const input = JSON.parse(body);
      seen.imports.push(input);
      return json(res, 200, { CertificateArn: input.CertificateArn ?? ARN });
    }
    if (target === 'CertificateManager.DescribeCertificate') {
      const last = seen.imports.at(-1) as { Certificate: string };
      const leaf = new X509Certificate(Buffer.from(last.Certificate, 'base64'));
      return json(res, 200, {
        Certificate: {
          CertificateArn: JSON.parse(body).CertificateArn,
          DomainName: DOMAIN,
          NotAfter: leaf.validToDate.getTime() / 1000,
        },
      });
    }
    const path = req.url ?? '';
    seen.route53.push({ method: req.method ?? '', path, body });
    if (req.method === 'POST' && path === `/2013-04-01/hostedzone/${ZONE}/rrset`) {
      const [action] = xmlText(body, 'Action');
      const [name] = xmlText(body, 'Name');
      const [value] = xmlText(body, 'Value');
      if (action === 'UPSERT') await pebble().setTxt(name as string, (value as string).replace(/^"|"$/g, ''));
      else await pebble().clearTxt(name as string);
      changes += 1;
      return xml(
        res,
        `<ChangeResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/C${changes}</Id><Status>PENDING</Status><SubmittedAt>2026-12-06T12:00:00.000Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`,
      );
    }
    const change = /^\/2013-04-01\/change\/(C\d+)$/.exec(path);
    if (req.method === 'GET' && change)
      return xml(
        res,
        `<GetChangeResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo><Id>/change/${change[1]}</Id><Status>INSYNC</Status><SubmittedAt>2026-12-06T12:00:00.000Z</SubmittedAt></ChangeInfo></GetChangeResponse>`,
      );
    res.writeHead(404).end(`fake AWS: no ${req.method} ${path} (${target})`);
  };
  return createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      handle(req, res, body).catch((err: Error) => {
        res.writeHead(500).end(err.message);
      });
    });
  });
}

describe.skipIf(!pebbleAvailable)('the certificate renewer’s AWS calls on the wire', () => {
  let pebble: Pebble;
  let server: Server;
  const seen: Seen = { route53: [], imports: [] };
  let clients: {
    acm: ACMClient;
    route53: Route53Client;
    secrets: SecretsManagerClient;
  };

  beforeAll(async () => {
    pebble = await startPebble();
    acme.axios.defaults.httpsAgent = new https.Agent({ ca: pebble.tlsCa });
    server = fakeAws(seen, () => pebble);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const common = {
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
    };
    clients = {
      acm: new ACMClient(common),
      route53: new Route53Client(common),
      secrets: new SecretsManagerClient(common),
    };
  }, 60_000);

  afterAll(() => {
    pebble?.stop();
    server?.close();
  });

  const config = () => ({
    domain: DOMAIN,
    hostedZoneId: ZONE,
    directoryUrl: pebble.directoryUrl,
    contactEmail: 'ops@alt-renewer.test',
    trustedRoot: pebble.roots[1]?.cn as string,
    renewDaysBefore: 30,
    stateSecretId: 'alt-renewer-wire',
  });
  const noSleep = { sleep: async () => {}, changePollMs: 0 };

  it('issues, sending Route 53 a quoted TXT value and ACM the PEMs, then re-imports near expiry', async () => {
    const first = await renewCertificate(clients, config(), noSleep);
    expect(first).toMatchObject({ certificateArn: ARN, renewed: true });
    // Route 53: UPSERT then DELETE of the same quoted value, and GetChange in between.
    const posts = seen.route53.filter((r) => r.method === 'POST');
    expect(posts.map((p) => xmlText(p.body, 'Action')[0])).toEqual(['UPSERT', 'DELETE']);
    expect(posts.map((p) => xmlText(p.body, 'Name')[0])).toEqual([
      `_acme-challenge.${DOMAIN}`,
      `_acme-challenge.${DOMAIN}`,
    ]);
    const values = posts.map((p) => xmlText(p.body, 'Value')[0]);
    expect(values[0]).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(values[1]).toBe(values[0]);
    expect(seen.route53.some((r) => r.method === 'GET' && r.path === '/2013-04-01/change/C1')).toBe(true);
    await expect(pebble.resolveTxt(`_acme-challenge.${DOMAIN}`)).rejects.toThrow();
    // ACM: base64 PEMs that decode to a P-256 leaf and one intermediate; the tag on a first import.
    const imp = seen.imports[0] as { Certificate: string; CertificateChain: string; PrivateKey: string };
    const leaf = new X509Certificate(Buffer.from(imp.Certificate, 'base64'));
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(splitPemChain(Buffer.from(imp.CertificateChain, 'base64').toString())).toHaveLength(1);
    expect(Buffer.from(imp.PrivateKey, 'base64').toString()).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----/);
    expect(seen.imports[0]).toMatchObject({ Tags: [{ Key: 'alt:managed-certificate', Value: DOMAIN }] });
    expect(JSON.parse(seen.secret as string)).toMatchObject({ certificateArn: ARN });

    // NotAfter comes back as epoch seconds; 10 days before it, the renewer re-imports on the ARN.
    const second = await renewCertificate(clients, config(), {
      ...noSleep,
      now: () => new Date(leaf.validToDate.getTime() - 10 * DAY),
    });
    expect(second).toMatchObject({
      certificateArn: ARN,
      renewed: true,
      reason: '10 days left, fewer than 30',
    });
    expect(seen.imports).toHaveLength(2);
    expect(seen.imports[1]).toMatchObject({ CertificateArn: ARN });
    expect(seen.imports[1]).not.toHaveProperty('Tags');
  });
});
