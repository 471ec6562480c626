/**
 * The deployed Lambda's wiring: DATABASE_URL or the stack's host + Secrets Manager secret (a fake
 * here: the SDK is the runtime's, not installed), migrations on cold start against real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GetSecretString } from '../../lib/db/aurora-secret.ts';
import type { SignToken } from '../../lib/db/iam-auth.ts';
import { migrate } from '../../lib/db/migrate.ts';
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
      'set ALT_DATABASE_HOST with ALT_DATABASE_USER (IAM auth) or ALT_DATABASE_SECRET_ARN, or DATABASE_URL',
    );
  });

  describe('as the stack runs it: the alt_transformer role with an IAM token', () => {
    let empty: { db: Sql; schema: string; drop(): Promise<void> };
    let migrated: { db: Sql; schema: string; drop(): Promise<void> };
    beforeAll(async () => {
      [empty, migrated] = await Promise.all([createTestSchema(), createTestSchema()]);
      await migrate(migrated.db); // as the migration Lambda would, with the owner's credentials
    });
    afterAll(async () => {
      await empty?.drop();
      await migrated?.drop();
    });
    const server = () => new URL(databaseUrl!);
    const iamEntry = (schema: string, sign: SignToken, get: GetSecretString) =>
      createLambdaEntry({
        env: {
          ALT_LAKE_BUCKET: 'lake',
          AWS_REGION: 'eu-west-1',
          ALT_DATABASE_HOST: server().hostname,
          ALT_DATABASE_USER: 'alt_transformer',
        },
        sign,
        getSecretString: get,
        testServer: { port: Number(server().port || 5432), database: server().pathname.slice(1), schema },
      });

    it("does not migrate: a database without this release's migrations fails with what to run", async () => {
      const sign = vi.fn(async () => 'token');
      const get = vi.fn(async () => '{}');
      await expect(iamEntry(empty.schema, sign, get)({ Records: [] })).rejects.toThrow(
        /migrations 0001_init, 0002_visitor_salts, 0003_component_roles, 0004_hist_quantile_empty are not applied; run the migration/,
      );
      const tables = await empty.db.query(
        'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()',
      );
      expect(tables.rows).toEqual([]);
      expect(get).not.toHaveBeenCalled();
    });

    it('runs against a migrated database as alt_transformer, with no secret', async () => {
      const get = vi.fn(async () => '{}');
      const handler = iamEntry(migrated.schema, async () => 'token', get);
      expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
      expect(get).not.toHaveBeenCalled();
      // The warm container's pooled connection is logged in as the role (the test server trusts
      // local logins, so the token is not checked here: lib/db/iam-auth.test.ts sees it sent).
      const sessions = await migrated.db.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE usename = 'alt_transformer' AND datname = current_database()`,
      );
      expect(sessions.rows.map((r) => r.query)).toContain('SELECT id FROM schema_migrations');
    });
  });
});
