/**
 * A collector for tests: real Fastify, PGlite registry (migrated), in-memory sink and salts.
 * `listen()` serves on 127.0.0.1 with port 0 for tests that need real HTTP.
 */

import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import type { BeaconAssets } from '../beacon-assets.ts';
import type { CountryLookup } from '../enrich/country-lookup.ts';
import type { LiveTap } from '../live.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { createCachedRegistry } from '../registry/cached-registry.ts';
import type { App, AppRegistry, NewApp } from '../registry/registry.ts';
import { createSqlRegistry } from '../registry/sql-registry.ts';
import { createMemorySaltStore, type SaltStore } from '../salts.ts';
import { buildServer, type CollectorConfig } from '../server.ts';
import { createMemorySink, type MemorySink } from './memory-sink.ts';

/**
 * A database for collector tests: the real PostgreSQL (a fresh schema) when `DATABASE_URL` is set —
 * seconds faster to start than PGlite — else in-memory PGlite. The registry tests cover both.
 */
export async function openTestDb(): Promise<{ db: Sql; done(): Promise<void> }> {
  if (databaseUrl) {
    const t = await createTestSchema();
    return { db: t.db, done: t.drop };
  }
  const db = await createPglite();
  return { db, done: () => db.close() };
}

export const TEST_CONFIG: CollectorConfig = {
  trustProxyHops: 0,
  rateLimitPerIp: 100_000,
  rateLimitPerApp: 10_000_000,
  honorDnt: false,
  logLevel: 'silent',
};

export interface Harness {
  app: FastifyInstance;
  sink: MemorySink;
  db: Sql;
  registry: AppRegistry;
  metrics: Metrics;
  createApp(a?: Partial<NewApp>): Promise<{ app: App; writeKey: string }>;
  /** Listens on 127.0.0.1:0 and returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    config?: Partial<CollectorConfig>;
    now?: () => Date;
    beacon?: BeaconAssets;
    db?: Sql;
    logger?: Logger;
    countries?: CountryLookup;
    live?: LiveTap;
    salts?: SaltStore;
  } = {},
): Promise<Harness> {
  const db = opts.db ?? (await createPglite());
  await migrate(db);
  const registry = createCachedRegistry(createSqlRegistry(db), { ttlMs: 0 });
  const sink = createMemorySink();
  const metrics = createMetrics();
  const app = buildServer({
    sink,
    registry,
    salts: opts.salts ?? createMemorySaltStore(),
    config: { ...TEST_CONFIG, ...opts.config },
    metrics,
    now: opts.now,
    beacon: opts.beacon,
    logger: opts.logger,
    countries: opts.countries,
    live: opts.live,
  });
  await app.ready();
  return {
    app,
    sink,
    db,
    registry,
    metrics,
    createApp: (a = {}) => registry.create({ name: 'test app', ...a }),
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address();
      if (addr === null || typeof addr === 'string') throw new Error('no address');
      return `http://127.0.0.1:${addr.port}`;
    },
    async close() {
      await app.close();
      if (!opts.db) await db.close();
    },
  };
}
