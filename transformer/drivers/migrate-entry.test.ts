/**
 * The migration Lambda: applies the migrations once against real PostgreSQL; reads the secret it
 * is given; waits for a database that is not accepting connections yet (a real refused port on
 * 127.0.0.1, a fake clock: no real waiting).
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import { createMigrateHandler } from './migrate-entry.ts';

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
    expect(await run()).toEqual({ applied: [], attempts: 1 });
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

/** A port nobody listens on (yet): taken from the OS, then released. */
async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

/** Starts forwarding `port` to the real PostgreSQL: the database "becomes available". */
async function openProxy(port: number): Promise<net.Server> {
  const target = new URL(databaseUrl!);
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** A clock that only moves when the handler sleeps. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

describe('migrate handler waiting for the database', () => {
  let t: { db: Sql; schema: string; drop(): Promise<void> };
  let proxy: net.Server | undefined;
  beforeAll(async () => {
    t = await createTestSchema();
  });
  afterAll(async () => {
    proxy?.close();
    await t?.drop();
  });

  it('retries a refused connection with growing waits, then applies the migrations', async () => {
    const port = await freePort();
    const url = new URL(databaseUrl!);
    url.host = `127.0.0.1:${port}`;
    url.searchParams.set('options', `-c search_path=${t.schema}`);
    const clock = fakeClock();
    const run = createMigrateHandler({ DATABASE_URL: url.toString() }, vi.fn(), {
      now: clock.now,
      async sleep(ms) {
        await clock.sleep(ms);
        // The writer comes up during the second wait.
        if (clock.sleeps.length === 2) proxy = await openProxy(port);
      },
    });
    const r = await run({}, { getRemainingTimeInMillis: () => 300_000 });
    expect(r.attempts).toBe(3);
    expect(r.applied.length).toBeGreaterThan(0);
    expect(clock.sleeps).toEqual([1_000, 2_000]);
    const ids = await t.db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(ids.rows.map((x) => x.id)).toEqual([...r.applied].sort());
  });

  it('gives up before the Lambda times out, naming the host and the last error', async () => {
    const port = await freePort();
    const clock = fakeClock();
    const remaining = 120_000;
    const start = clock.now();
    const run = createMigrateHandler({ DATABASE_URL: `postgres://u:secret@127.0.0.1:${port}/db` }, vi.fn(), {
      now: clock.now,
      sleep: clock.sleep,
    });
    const err = await run({}, { getRemainingTimeInMillis: () => remaining }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(`database 127.0.0.1:${port} not reachable`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('secret');
    // Waits double up to the cap, and the last one ends before the margin kept for the migration.
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
    expect(clock.now() - start).toBeLessThanOrEqual(remaining - 30_000);
    expect(message).toMatch(/after 8 attempt\(s\)/);
  });

  it('does not wait on an error that waiting cannot fix (a refused password)', async () => {
    const url = new URL(databaseUrl!);
    url.username = 'no_such_role_for_alt';
    const clock = fakeClock();
    const run = createMigrateHandler({ DATABASE_URL: url.toString() }, vi.fn(), clock);
    await expect(run({}, { getRemainingTimeInMillis: () => 300_000 })).rejects.toThrow(
      /cannot connect to .*no_such_role_for_alt/,
    );
    expect(clock.sleeps).toEqual([]);
  });
});
