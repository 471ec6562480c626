/**
 * IAM database auth: the real `@aws-sdk/rds-signer` with fixed credentials (signing is local), and
 * a pool against the real PostgreSQL that asks for a token for every connection it opens. The test
 * server trusts local logins and has no TLS, so the token is not checked and TLS is off here; what
 * the server would check is the token's shape, asserted below.
 */
import { describe, expect, it, vi } from 'vitest';
import { startFakePostgres } from '../../test/helpers/fake-postgres.ts';
import { RDS_CA_CERTIFICATES } from './aurora-tls.ts';
import { iamConnection, rdsSigner } from './iam-auth.ts';
import { createPostgres } from './postgres.ts';

const HOST = 'alt-prod-db-cluster.cluster-abc.eu-west-1.rds.amazonaws.com';
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('IAM database auth', () => {
  it('signs a 15-minute connect token for the role at the cluster endpoint', async () => {
    const token = await rdsSigner(credentials)({
      host: HOST,
      port: 5432,
      user: 'alt_collector',
      region: 'eu-west-1',
    });
    // The token is a presigned URL without its scheme: host:port/?Action=connect&DBUser=…
    const url = new URL(`https://${token}`);
    expect(url.host).toBe(`${HOST}:5432`);
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('alt_collector');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies TLS against the RDS CAs unless told otherwise', () => {
    const c = iamConnection({ host: HOST, user: 'alt_transformer', region: 'eu-west-1' });
    expect(c).toMatchObject({ host: HOST, port: 5432, database: 'alt', user: 'alt_transformer' });
    expect(c.ssl).toEqual({ ca: [...RDS_CA_CERTIFICATES], rejectUnauthorized: true });
    expect(() => iamConnection({ host: HOST, user: '', region: 'eu-west-1' })).toThrow(
      /host, a user and a region/,
    );
  });

  it('sends a freshly signed token as the password of every connection the pool opens', async () => {
    const server = await startFakePostgres();
    const sign = vi.fn(rdsSigner(credentials));
    const target = { host: '127.0.0.1', port: server.port, user: 'alt_collector', region: 'eu-west-1' };
    const db = createPostgres({ connection: iamConnection(target, { sign, ssl: false }), max: 2 });
    try {
      // Two statements at once: two connections, two tokens. The fake server refuses each login.
      const tries = await Promise.allSettled([db.query('SELECT 1'), db.query('SELECT 2')]);
      expect(tries.map((t) => t.status)).toEqual(['rejected', 'rejected']);
      expect(sign).toHaveBeenCalledTimes(2);
      expect(server.logins).toHaveLength(2);
      const tokens = await Promise.all(sign.mock.results.map((r) => r.value));
      expect(server.logins.map((l) => l.password).sort()).toEqual([...tokens].sort());
      for (const l of server.logins) {
        expect(l).toMatchObject({ user: 'alt_collector', database: 'alt' });
        expect(new URL(`https://${l.password}`).searchParams.get('DBUser')).toBe('alt_collector');
      }
    } finally {
      await db.close();
      await server.close();
    }
  });
});
