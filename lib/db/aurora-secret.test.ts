/** The Aurora connection string from the RDS-managed secret, and when Secrets Manager is called. */
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { auroraConnectionString, createDatabaseUrlResolver, resolveDatabaseUrl } from './aurora-secret.ts';

const HOST = 'alt-db.cluster-abc.eu-west-1.rds.amazonaws.com';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1';
const secret = (username: string, password: string) => JSON.stringify({ username, password });

/** What pg itself makes of the string (no connection is opened). */
function asPg(url: string) {
  const c = new pg.Client({ connectionString: url });
  return { user: c.user, password: c.password, host: c.host, port: c.port, database: c.database, ssl: c.ssl };
}

describe('auroraConnectionString', () => {
  it('gives pg the exact user and password even with URL-special characters, over TLS', () => {
    const password = 'p@ss:/w?o#r%d&x= +ü';
    const url = auroraConnectionString(secret('alt admin', password), { host: HOST });
    expect(url).not.toContain(password);
    expect(asPg(url)).toEqual({
      user: 'alt admin',
      password,
      host: HOST,
      port: 5432,
      database: 'alt',
      ssl: { rejectUnauthorized: false },
    });
  });

  it('takes port, database and verify-full when asked', () => {
    const url = auroraConnectionString(secret('u', 'p'), {
      host: HOST,
      port: 6543,
      database: 'other',
      sslmode: 'verify-full',
    });
    expect(url).toBe(`postgres://u:p@${HOST}:6543/other?sslmode=verify-full`);
  });

  it('refuses a missing, non-JSON or incomplete secret without echoing it', () => {
    expect(() => auroraConnectionString(undefined, { host: HOST })).toThrow(/no SecretString/);
    expect(() => auroraConnectionString('hunter2', { host: HOST })).toThrow(/not JSON/);
    expect(() => auroraConnectionString('hunter2', { host: HOST })).not.toThrow(/hunter2/);
    expect(() => auroraConnectionString('{"username":"u"}', { host: HOST })).toThrow(/"password"/);
    expect(() => auroraConnectionString('null', { host: HOST })).toThrow(/"username"/);
    expect(() => auroraConnectionString(secret('u', 'p'), { host: '' })).toThrow(/host/);
  });
});

describe('resolveDatabaseUrl', () => {
  it('uses DATABASE_URL when set, without calling Secrets Manager', async () => {
    const get = vi.fn(async () => secret('u', 'p'));
    const env = { DATABASE_URL: 'postgres://x@h/db', ALT_DATABASE_HOST: HOST, ALT_DATABASE_SECRET_ARN: ARN };
    expect(await resolveDatabaseUrl(env, get)).toBe('postgres://x@h/db');
    expect(get).not.toHaveBeenCalled();
  });

  it('otherwise builds the URL from the host and the secret named by its ARN', async () => {
    const get = vi.fn(async () => secret('alt_admin', 's3cr:t'));
    const url = await resolveDatabaseUrl({ ALT_DATABASE_HOST: HOST, ALT_DATABASE_SECRET_ARN: ARN }, get);
    expect(get).toHaveBeenCalledWith(ARN);
    expect(url).toBe(`postgres://alt_admin:s3cr%3At@${HOST}:5432/alt?sslmode=no-verify`);
  });

  it('names both ways of configuring the database when neither is complete', async () => {
    const get = vi.fn(async () => secret('u', 'p'));
    await expect(resolveDatabaseUrl({ ALT_DATABASE_HOST: HOST }, get)).rejects.toThrow(
      'set DATABASE_URL, or ALT_DATABASE_HOST and ALT_DATABASE_SECRET_ARN',
    );
    await expect(resolveDatabaseUrl({ DATABASE_URL: '' }, get)).rejects.toThrow(/ALT_DATABASE_SECRET_ARN/);
    expect(get).not.toHaveBeenCalled();
  });
});

describe('createDatabaseUrlResolver', () => {
  it('fetches the secret once across calls, and again only after a failure', async () => {
    let fail = true;
    const get = vi.fn(async () => {
      if (fail) throw new Error('throttled');
      return secret('u', 'p');
    });
    const resolve = createDatabaseUrlResolver({
      env: { ALT_DATABASE_HOST: HOST, ALT_DATABASE_SECRET_ARN: ARN },
      getSecretString: get,
    });
    await expect(resolve()).rejects.toThrow('throttled');
    fail = false;
    const [a, b] = await Promise.all([resolve(), resolve()]);
    expect(await resolve()).toBe(a);
    expect(b).toBe(a);
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('reads the secret again after invalidate() (the password rotated)', async () => {
    let password = 'before';
    const get = vi.fn(async () => secret('u', password));
    const resolve = createDatabaseUrlResolver({
      env: { ALT_DATABASE_HOST: HOST, ALT_DATABASE_SECRET_ARN: ARN },
      getSecretString: get,
    });
    expect(await resolve()).toContain(':before@');
    password = 'after';
    expect(await resolve()).toContain(':before@');
    resolve.invalidate();
    expect(await resolve()).toContain(':after@');
    expect(get).toHaveBeenCalledTimes(2);
  });
});
