/**
 * The deployed Lambda's wiring: DATABASE_URL or the stack's host + Secrets Manager secret (a fake
 * here: the SDK is the runtime's, not installed), migrations on cold start against real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import { createLambdaEntry } from './lambda-entry.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1';

describe('lambda entry', () => {
  let t: { db: Sql; schema: string; drop(): Promise<void> };
  beforeAll(async () => {
    t = await createTestSchema();
  });
  afterAll(() => t?.drop());

  it('with DATABASE_URL: migrates on the first event and handles it, never asking Secrets Manager', async () => {
    const url = new URL(databaseUrl!);
    url.searchParams.set('options', `-c search_path=${t.schema}`);
    const get = vi.fn(async () => '{}');
    const handler = createLambdaEntry({
      env: {
        ALT_LAKE_BUCKET: 'lake',
        DATABASE_URL: url.toString(),
        ALT_DATABASE_HOST: 'h',
        ALT_DATABASE_SECRET_ARN: ARN,
      },
      getSecretString: get,
    });
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
    const applied = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(applied.rows[0].n).toBeGreaterThan(0);
    expect(get).not.toHaveBeenCalled();
  });

  it('with the stack env: fetches the secret once per container, even when connecting fails and is retried', async () => {
    const get = vi.fn(async () => JSON.stringify({ username: 'alt_admin', password: 'not-the-password' }));
    const handler = createLambdaEntry({
      // No Aurora here: the wiring fails at connect, after the URL was resolved.
      env: { ALT_LAKE_BUCKET: 'lake', ALT_DATABASE_HOST: '127.0.0.1', ALT_DATABASE_SECRET_ARN: ARN },
      getSecretString: get,
    });
    await expect(handler({ Records: [] })).rejects.toThrow();
    await expect(handler({ Records: [] })).rejects.toThrow();
    expect(get).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenCalledWith(ARN);
  });

  it('refuses a malformed secret by saying what is wrong, and asks again on the next event', async () => {
    const get = vi.fn(async () => 'not json');
    const handler = createLambdaEntry({
      env: { ALT_LAKE_BUCKET: 'lake', ALT_DATABASE_HOST: 'h', ALT_DATABASE_SECRET_ARN: ARN },
      getSecretString: get,
    });
    await expect(handler({ Records: [] })).rejects.toThrow('aurora secret: SecretString is not JSON');
    await expect(handler({ Records: [] })).rejects.toThrow(/not JSON/);
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('names the missing settings', async () => {
    await expect(createLambdaEntry({ env: { ALT_DATABASE_HOST: 'h' } })({ Records: [] })).rejects.toThrow(
      'ALT_LAKE_BUCKET is not set',
    );
    await expect(createLambdaEntry({ env: { ALT_LAKE_BUCKET: 'lake' } })({ Records: [] })).rejects.toThrow(
      'set DATABASE_URL, or ALT_DATABASE_HOST and ALT_DATABASE_SECRET_ARN',
    );
  });
});
