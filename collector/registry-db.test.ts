/**
 * The collector's registry database on Aurora, as the stack runs it (the alt_collector role with an
 * IAM token: reads, never migrates) and with the master secret. On the rotating secret: when the server refuses the
 * credentials (the secret rotated), the collector reads the secret again and carries on, instead of
 * answering 503 for every app outside its cache until a restart. Against the real PostgreSQL; the
 * secret is a resolver over local URLs (the test server trusts local logins, so a refused login is
 * a role that does not exist — the same SQLSTATE class as a changed password).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from '../lib/db/migrate.ts';
import { openDatabase } from '../lib/db/open-database.ts';
import { createTestSchema, databaseUrl } from '../test/helpers/postgres.ts';
import { createSqlRegistry } from './registry/sql-registry.ts';

const schema = `t_rotation_${process.pid}`;
const APP_NAME = `alt_rotation_${process.pid}`;
// The login before and after the rotation (roles are server-wide: named per process).
const BEFORE = `alt_rot_a_${process.pid}`;
const AFTER = `alt_rot_b_${process.pid}`;
let dir: string;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function urlAs(user?: string): string {
  const u = new URL(databaseUrl!);
  if (user) u.username = user;
  u.searchParams.set('options', `-c search_path=${schema}`);
  u.searchParams.set('application_name', APP_NAME);
  return u.toString();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-rotation-'));
  await admin(async (c) => {
    await c.query(`CREATE SCHEMA ${schema}`);
    // As Aurora's master user, it may create roles (migration 0003 creates the component roles).
    await c.query(`CREATE ROLE ${BEFORE} LOGIN CREATEROLE`);
    await c.query(`GRANT ALL ON SCHEMA ${schema} TO ${BEFORE}`);
  });
});
afterAll(async () => {
  await admin(async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    for (const r of [BEFORE, AFTER]) await c.query(`DROP ROLE IF EXISTS ${r}`);
  });
  await rm(dir, { recursive: true, force: true });
});

describe('registry database from the Aurora secret', () => {
  it('re-reads the secret when the server refuses the credentials, at start and while running', async () => {
    let current = urlAs('alt_no_such_login'); // stale from the start
    let next = urlAs(BEFORE);
    const secretUrl = Object.assign(async () => current, {
      invalidate: vi.fn(() => {
        current = next;
      }),
    });
    const config = {
      dataDir: dir,
      databaseUrl: undefined,
      databaseHost: 'aurora.internal',
      databaseSecretArn: 'arn:x',
      databaseUser: undefined,
      databaseTls: 'verify-full' as const,
      awsRegion: 'eu-west-1',
    };
    // The test server has no TLS: the secret's URL is used as it is.
    const db = await openDatabase(config, { secretUrl, testServer: {} });
    expect(secretUrl.invalidate).toHaveBeenCalledTimes(1);
    const registry = createSqlRegistry(db);
    const { app } = await registry.create({ name: 'rotation' });

    // The secret rotates: the old login stops working (its sessions end, it can no longer log in).
    next = urlAs(AFTER);
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${AFTER} LOGIN CREATEROLE`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        APP_NAME,
      ]);
      await c.query(`REASSIGN OWNED BY ${BEFORE} TO ${AFTER}`);
      await c.query(`DROP OWNED BY ${BEFORE}`);
      await c.query(`DROP ROLE ${BEFORE}`);
      await c.query(`GRANT ALL ON SCHEMA ${schema} TO ${AFTER}`);
    });
    // A query on a session the server ended may fail once; the next logs in with the new secret.
    await expect.poll(async () => (await registry.get(app.appId).catch(() => null))?.name).toBe('rotation');
    expect(secretUrl.invalidate).toHaveBeenCalledTimes(2);
    await db.close();
  });
});

describe('registry database as the stack runs it: the alt_collector role with an IAM token', () => {
  const server = new URL(databaseUrl ?? 'postgres://127.0.0.1/test');
  const iamConfig = {
    dataDir: '/nonexistent',
    databaseUrl: undefined,
    databaseHost: server.hostname,
    databaseUser: 'alt_collector',
    databaseSecretArn: undefined,
    databaseTls: 'verify-full' as const,
    awsRegion: 'eu-west-1',
  };
  const testServer = (schema: string) => ({
    port: Number(server.port || 5432),
    database: server.pathname.slice(1),
    schema,
  });

  it.runIf(Boolean(databaseUrl))('reads the registry, may not write it, and never migrates', async () => {
    const [empty, migrated] = await Promise.all([createTestSchema(), createTestSchema()]);
    try {
      await migrate(migrated.db); // the migration Lambda, as the owner
      const { app } = await createSqlRegistry(migrated.db).create({ name: 'site' });
      const sign = vi.fn(async () => 'token');

      const db = await openDatabase(iamConfig, { sign, testServer: testServer(migrated.schema) });
      const registry = createSqlRegistry(db);
      expect((await registry.get(app.appId))?.name).toBe('site');
      await expect(registry.create({ name: 'intruder' })).rejects.toMatchObject({ code: '42501' });
      await db.close();

      await expect(openDatabase(iamConfig, { sign, testServer: testServer(empty.schema) })).rejects.toThrow(
        /migrations 0001_init, 0002_visitor_salts, 0003_component_roles, 0004_hist_quantile_empty are not applied/,
      );
      const tables = await empty.db.query(
        'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()',
      );
      expect(tables.rows).toEqual([]);
    } finally {
      await empty.drop();
      await migrated.drop();
    }
  });

  it('refuses a host with both a role and the master secret, or a role without a region', async () => {
    await expect(openDatabase({ ...iamConfig, databaseSecretArn: 'arn:x' })).rejects.toThrow(
      /set one of ALT_DATABASE_USER .* and ALT_DATABASE_SECRET_ARN/,
    );
    await expect(openDatabase({ ...iamConfig, awsRegion: '' })).rejects.toThrow(/needs AWS_REGION/);
  });
});
