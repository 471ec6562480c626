/**
 * The production entry point: wires config to real adapters and serves. `buildServer` has all the
 * logic; this file only picks adapters.
 *
 *   registry + salts → PostgreSQL (`DATABASE_URL`), Aurora (as `alt_collector` with an IAM token, or
 *                      with the master secret), or PGlite at `<dataDir>/pg`
 *   sink             → batcher over the stream from config (local segment log, or Kinesis + spool)
 *   beacon           → `beacon/dist/` when built
 *   countries        → the country of a full client IP (DESIGN §3): the MMDB file `countryDb`, else
 *                      the PDDL database shipped in the npm package (collector/enrich/country.ts)
 *
 * SIGTERM/SIGINT: stop accepting (503 to new requests while closing), let in-flight requests
 * finish, flush the batcher into the stream, close the database, exit.
 *
 * Run: `npx tsx collector/main.ts --port 8080` (every setting also as `ALT_*`, see README).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type Config, loadConfig, SETTINGS } from '../lib/config.ts';
import type { Sql } from '../lib/db/index.ts';
import { openDatabase } from '../lib/db/open-database.ts';
import { openStreamWriter } from '../stream/from-config.ts';
import { createBatcher } from './batcher.ts';
import { loadBeaconAssets } from './beacon-assets.ts';
import { openCountryLookup } from './enrich/country.ts';
import type { LiveTap } from './live.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { buildPrivateServer } from './private-server.ts';
import { createCachedRegistry } from './registry/cached-registry.ts';
import type { AppRegistry } from './registry/registry.ts';
import { createSqlRegistry } from './registry/sql-registry.ts';
import { createSqlSaltStore, type SaltStore } from './salts.ts';
import { buildServer } from './server.ts';
import type { SinkObserver } from './sink.ts';
import { tuneV8ForCollector } from './v8-heap.ts';

export const BEACON_DIST_DIR = fileURLToPath(new URL('../beacon/dist/', import.meta.url));

export interface RunningCollector {
  app: FastifyInstance;
  url: string;
  /** The private listener's URL (`/healthz`, `/readyz`, `/metrics`) when `privatePort` is set. */
  privateUrl?: string;
  /** The cached registry the server uses: changes through it take effect at once. */
  registry: AppRegistry;
  /** The collector's counters (`alt dev`'s console reads accepted/refused/dropped from them). */
  metrics: Metrics;
  /** Graceful stop: no new requests, flush, close (the database too, unless it was passed in). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** An open, migrated database to share. */
  db?: Sql;
  /**
   * The registry and salts to use instead of a database (`alt dev`: they live in its transformer
   * process, which owns the database). The registry gets the usual cache in front.
   */
  stores?: { registry: AppRegistry; salts: SaltStore };
  /** Adds series to the collector's `/metrics` (`alt dev`: the transformer's lag and outcomes). */
  addMetrics?(registry: Registry): void;
  /** Told of every stream write the collector completes (`alt dev`: its lag tracker). */
  onFlushed?: SinkObserver['flushed'];
  /** Adds routes before listening (`alt dev`'s demo page). */
  extend?(app: FastifyInstance): void;
  /** The console's live tap (`alt dev`). */
  live?: LiveTap;
}

const sqlStores = (db: Sql) => ({ registry: createSqlRegistry(db), salts: createSqlSaltStore(db) });

export async function startCollector(config: Config, opts: StartOptions = {}): Promise<RunningCollector> {
  if (config.privatePort !== undefined && config.privatePort !== 0 && config.privatePort === config.port)
    throw new Error(`--private-port ${config.privatePort} must differ from --port`);
  // Before anything allocates: Node 24's V8 otherwise runs a mark-compact a second under load.
  tuneV8ForCollector();
  // Opened first: a user database that is missing or not an MMDB file stops startup, naming it.
  const countries = openCountryLookup({ databasePath: config.countryDb });
  // The database this collector opened itself (and so closes), when it was given neither.
  const ownDb = opts.stores || opts.db ? undefined : await openDatabase(config);
  const stores = opts.stores ?? sqlStores((opts.db ?? ownDb) as Sql);
  const metrics = createMetrics({ defaultMetrics: true });
  opts.addMetrics?.(metrics.registry);
  const { onFlushed } = opts;
  const observer: SinkObserver = onFlushed
    ? {
        ...metrics.observer,
        flushed(info) {
          metrics.observer.flushed?.(info);
          onFlushed(info);
        },
      }
    : metrics.observer;
  const stream = await openStreamWriter(config, metrics.observer);
  const sink = createBatcher({
    stream,
    flushHits: config.flushHits,
    flushBytes: config.flushBytes,
    lingerMs: config.lingerMs,
    maxPutsInFlight: config.putsInFlight,
    maxInflightBytes: config.maxInflightBytes,
    observer,
  });
  const registry = createCachedRegistry(stores.registry, { ttlMs: config.registryTtlSec * 1000 });
  const app = buildServer({
    sink,
    registry,
    salts: stores.salts,
    config,
    metrics,
    beacon: loadBeaconAssets(BEACON_DIST_DIR),
    countries,
    live: opts.live,
    operationalRoutes: config.privatePort === undefined,
  });
  const privateApp =
    config.privatePort === undefined
      ? undefined
      : buildPrivateServer({ sink, registry, metrics }, app.log as Logger);
  opts.extend?.(app);
  const url = await app.listen({ host: config.host, port: config.port });
  const privateUrl = await privateApp?.listen({ host: config.host, port: config.privatePort });
  let stopping: Promise<void> | undefined;
  return {
    app,
    url,
    privateUrl,
    registry,
    metrics,
    stop() {
      stopping ??= (async () => {
        // The private listener first: health checks fail at once, so no new traffic is sent here.
        await privateApp?.close();
        await app.close();
        await sink.close();
        await ownDb?.close();
      })();
      return stopping;
    },
  };
}

async function main(): Promise<void> {
  const options = Object.fromEntries(
    Object.entries(SETTINGS).map(([, s]) => [s.flag.slice(2), { type: 'string' as const }]),
  );
  const { values } = parseArgs({ options, strict: true });
  const config = loadConfig(values);
  const c = await startCollector(config);
  c.app.log.info({ url: c.url, privateUrl: c.privateUrl }, 'collector listening');
  const shutdown = (signal: string) => {
    c.app.log.info({ signal }, 'stopping: draining requests and flushing the stream');
    c.stop().then(
      () => process.exit(0),
      (err) => {
        c.app.log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`collector: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
