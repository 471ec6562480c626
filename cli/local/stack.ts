/**
 * The local stack in one process, assembled once for `alt dev`, the end-to-end tests and anything
 * else that wants the whole pipeline on one machine: the database (PGlite in the data dir unless
 * configured otherwise), the collector on the configured stream, the stream reader, the transformer
 * and its poller, the loopback admin API with `dev.lock`, and the timer loop that drains every
 * `flushIntervalSec`. Nothing here knows about commander: `cli/commands/dev.ts` adds flags, banner
 * and signals.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startCollector } from '../../collector/main.ts';
import type { AppRegistry } from '../../collector/registry/registry.ts';
import type { Config } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db/open-database.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { type AdminHandlers, startAdminServer } from '../../lib/local-stack/admin-api.ts';
import { newAdminToken, writeDevLock } from '../../lib/local-stack/dev-lock.ts';
import { ROLLUPS_ADMIN_OP, readRollupRows } from '../../query/duckdb-engine.ts';
import { openStreamReader } from '../../stream/from-config.ts';
import { createPoller, type DrainResult } from '../../transformer/drivers/poller.ts';
import { parseHour } from '../../transformer/lake/paths.ts';
import { openTransformer, type Transformer } from '../../transformer/open.ts';
import { count } from '../format.ts';
import { appJson, type NewAppArgs, parseNewApp } from './apps-admin.ts';
import { runEvery } from './run-every.ts';

export interface LocalStackOptions {
  /** Adds routes to the collector before it listens (`alt dev`: the demo page at `/`). */
  extend?(app: FastifyInstance): void;
  /** Progress lines of the timer loop and the final drain (none by default). */
  log?(line: string): void;
}

export interface LocalStack {
  /** The data dir, resolved. */
  dataDir: string;
  collectorUrl: string;
  registry: AppRegistry;
  db: Sql;
  adminPort: number;
  /** Moves everything the stream holds into the lake and compacts the hours that are due. */
  drain(): Promise<DrainResult>;
  /** Compacts one hour (`YYYY-MM-DDTHH` or a partition path), never alongside a drain. */
  compact(hour: string): ReturnType<Transformer['compact']>;
  /** Stops the loop and the collector, drains what it flushed, closes everything, drops the lock. */
  stop(): Promise<void>;
}

/**
 * Runs lake work one job at a time: the timer loop, `alt transform --once` and `alt compact` must
 * never touch the same hour concurrently.
 */
function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

/** The admin API's operations: what `alt apps`, `alt transform --once`, `alt compact` and `alt query` ask. */
function adminHandlers(stack: Pick<LocalStack, 'registry' | 'db' | 'drain' | 'compact'>): AdminHandlers {
  const { registry } = stack;
  return {
    async appsCreate(body) {
      const { app, writeKey } = await registry.create(parseNewApp(body as unknown as NewAppArgs));
      return { ...appJson(app), write_key: writeKey };
    },
    async appsList() {
      return (await registry.list()).map(appJson);
    },
    async appsGet(body) {
      const app = await registry.get(String(body.app_id));
      return app && appJson(app);
    },
    async appsDisable(body) {
      return { disabled: await registry.disable(String(body.app_id)) };
    },
    async appsEnable(body) {
      return { enabled: await registry.enable(String(body.app_id)) };
    },
    async appsRotateKey(body) {
      return { write_key: await registry.rotateKey(String(body.app_id)) };
    },
    transform: () => stack.drain(),
    compact: (body) => stack.compact(String(body.hour)),
    [ROLLUPS_ADMIN_OP]: () => readRollupRows(stack.db),
  };
}

export async function startLocalStack(config: Config, opts: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(config.dataDir);
  const log = opts.log ?? (() => {});
  const cfg = { ...config, dataDir };
  const db = await openDatabase(cfg);
  const collector = await startCollector(cfg, { db, extend: opts.extend });
  const transformer = await openTransformer(cfg, 'duckdb', db);
  const reader = await openStreamReader(cfg);
  const poller = createPoller({ reader, processor: transformer.processor, compaction: transformer });
  const exclusive = createMutex();
  const drain = () => exclusive<DrainResult>(() => poller.runOnce());
  const compact = async (hour: string) => {
    const partition = parseHour(hour);
    return exclusive(() => transformer.compact(partition));
  };

  const token = newAdminToken();
  const admin = await startAdminServer(
    token,
    adminHandlers({ registry: collector.registry, db, drain, compact }),
  );
  const releaseLock = writeDevLock(dataDir, {
    pid: process.pid,
    collectorUrl: collector.url,
    adminPort: admin.port,
    token,
  });

  const loopStop = new AbortController();
  const loop = runEvery(config.flushIntervalSec * 1000, loopStop.signal, async () => {
    try {
      const r = await drain();
      if (r.records > 0) {
        log(
          `transformer: ${count(r.lakeRows, 'hit')} to the lake (${count(r.hours.length, 'hour')} compacted)`,
        );
      }
    } catch (err) {
      log(`transformer: ${(err as Error).message} (will retry)`);
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    dataDir,
    collectorUrl: collector.url,
    registry: collector.registry,
    db,
    adminPort: admin.port,
    drain,
    compact,
    stop() {
      stopping ??= (async () => {
        loopStop.abort();
        await loop;
        await collector.stop();
        await drain().catch((err) => log(`final drain failed: ${(err as Error).message}`));
        await admin.close();
        await reader.close();
        await transformer.close();
        await db.close();
        releaseLock();
      })();
      return stopping;
    },
  };
}
