/** The migration Lambda: applies the migrations once against real PostgreSQL; reads the secret it is given. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import { createMigrateHandler } from './migrate-handler.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1';

describe('migrate handler', () => {
  let t: { db: Sql; schema: string; drop(): Promise<void> };
  beforeAll(async () => {
    t = await createTestSchema();
  });
  afterAll(() => t?.drop());

  it('applies every migration on the first run and none on the second (DATABASE_URL wins over the secret)', async () => {
    const url = new URL(databaseUrl!);
    url.searchParams.set('options', `-c search_path=${t.schema}`);
    const get = vi.fn(async () => '{}');
    const run = createMigrateHandler(
      { DATABASE_URL: url.toString(), ALT_DATABASE_HOST: 'h', ALT_DATABASE_SECRET_ARN: ARN },
      get,
    );
    const first = await run();
    expect(first.applied.length).toBeGreaterThan(0);
    const ids = await t.db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(ids.rows.map((r) => r.id)).toEqual([...first.applied].sort());
    expect(await run()).toEqual({ applied: [] });
    expect(get).not.toHaveBeenCalled();
  });

  it('reads the secret named by ALT_DATABASE_SECRET_ARN and refuses a malformed one before connecting', async () => {
    const get = vi.fn(async () => '{"username":"alt_admin"}');
    const run = createMigrateHandler({ ALT_DATABASE_HOST: '127.0.0.1', ALT_DATABASE_SECRET_ARN: ARN }, get);
    await expect(run()).rejects.toThrow(/"password"/);
    expect(get).toHaveBeenCalledWith(ARN);
  });

  it('names the missing configuration', async () => {
    await expect(createMigrateHandler({}, vi.fn())()).rejects.toThrow(
      'set DATABASE_URL, or ALT_DATABASE_HOST and ALT_DATABASE_SECRET_ARN',
    );
  });
});
