/**
 * TLS to Aurora, against a server that presents a certificate no RDS CA signed (a self-signed one
 * for `localhost`): `verify-full` refuses it before any credential is sent, `no-verify` would hand
 * the credential over. Both connection forms are covered: IAM (host + token) and a secret's URL.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakePostgres,
  selfSignedLocalhost,
  startFakePostgres,
} from '../../test/helpers/fake-postgres.ts';
import { auroraSsl, RDS_CA_CERTIFICATES } from './aurora-tls.ts';
import { iamConnection, type SignToken } from './iam-auth.ts';
import { createPostgres } from './postgres.ts';

const sign: SignToken = async (t) => `token-for-${t.user}`;

describe('TLS to Aurora', () => {
  let server: FakePostgres;
  beforeAll(async () => {
    server = await startFakePostgres({ cert: selfSignedLocalhost() });
  });
  afterAll(() => server?.close());

  it('verify-full (the default) refuses a certificate no RDS CA signed, before sending the token', async () => {
    const db = createPostgres({
      connection: iamConnection(
        { host: 'localhost', port: server.port, user: 'alt_collector', region: 'eu-west-1' },
        { sign },
      ),
      max: 1,
    });
    await expect(db.query('SELECT 1')).rejects.toThrow(/self[- ]signed certificate/);
    await db.close();
    expect(server.logins).toEqual([]);
  });

  it('a secret URL asking for no-verify is verified all the same when given the Aurora TLS options', async () => {
    const db = createPostgres({
      connectionString: `postgres://alt_admin:secret@localhost:${server.port}/alt?sslmode=no-verify`,
      ssl: auroraSsl('verify-full'),
      max: 1,
    });
    await expect(db.query('SELECT 1')).rejects.toThrow(/self[- ]signed certificate/);
    await db.close();
    expect(server.logins).toEqual([]);
  });

  it('no-verify encrypts but hands the credential to whoever answers (why it is not the default)', async () => {
    const db = createPostgres({
      connection: iamConnection(
        { host: 'localhost', port: server.port, user: 'alt_collector', region: 'eu-west-1' },
        { sign, tls: 'no-verify' },
      ),
      max: 1,
    });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    await db.close();
    expect(server.logins).toEqual([
      { user: 'alt_collector', database: 'alt', password: 'token-for-alt_collector', tls: true },
    ]);
  });

  it('trusts the Amazon RDS CAs of every generation in use, including the stack regions', () => {
    const certs = RDS_CA_CERTIFICATES.map((pem) => new X509Certificate(pem));
    expect(certs.every((c) => c.ca)).toBe(true);
    const names = certs.map((c) => c.subject.match(/CN=(.*)/)?.[1]);
    for (const g of ['RSA2048 G1', 'RSA4096 G1', 'ECC384 G1'])
      expect(names).toContain(`Amazon RDS eu-west-1 Root CA ${g}`);
  });
});
