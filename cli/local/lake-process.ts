/**
 * `alt dev`'s transformer process: everything but the collector. It owns the database (PGlite
 * allows one opener per data dir, so the registry and salts the collector needs are served from
 * here over IPC and cached there), the stream reader, the transformer and its timer loop. Running
 * it in its own process, started at a lower CPU priority, is what keeps a backlog being transformed
 * (gunzip, parsing, validation, DuckDB) off the collector's event loop and behind it on a busy core
 * (DESIGN §5). Started by `lake-client.ts` through `lake-process.mjs`; exits when its parent does.
 */

import { join } from 'node:path';
import type { AppChanges, AppQuery } from '../../collector/registry/registry.ts';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { createSqlSaltStore } from '../../collector/salts.ts';
import { readOverviewHours } from '../../console/overview.ts';
import type { Overview } from '../../console/source.ts';
import type { Config } from '../../lib/config.ts';
import { dataDirLayout } from '../../lib/data-dir.ts';
import { openDatabase } from '../../lib/db/open-database.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { readRollupRows } from '../../query/duckdb-engine.ts';
import type { StreamReader } from '../../stream/contract.ts';
import { openStreamReader } from '../../stream/from-config.ts';
import { createPoller, type DrainResult } from '../../transformer/drivers/poller.ts';
import { parseHour } from '../../transformer/lake/paths.ts';
import { openTransformer } from '../../transformer/open.ts';
import { createConsoleLake } from './console-lake.ts';
import type { FromLake, LakeEvent, LakeOp, ToLake } from './lake-protocol.ts';
import { runEvery } from './run-every.ts';

type Send = (msg: FromLake) => void;

/**
 * A reader that reports the time just before a read that found nothing: everything that arrived
 * before it has been read (committed batches report their own watermark through the poller).
 */
function caughtUpReporting(reader: StreamReader, emit: (e: LakeEvent) => void): StreamReader {
  return {
    async next(max) {
      const before = Date.now();
      const batch = await reader.next(max);
      if (!batch) emit({ type: 'caught-up', atMs: before });
      return batch;
    },
    commit: (batch) => reader.commit(batch),
    close: () => reader.close(),
  };
}

/** Lake work one job at a time: the loop, `alt transform --once` and `alt compact` never overlap. */
function createMutex(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

/**
 * The bound of the writer's DuckDB in this process (its default is 80 % of the machine's RAM). A
 * 10-s batch at 5,000 hits/s is ~25 MB of NDJSON, and the COPY streams it in row groups.
 */
export const LAKE_DUCKDB_MEMORY = '512MB';

export interface LakeService {
  call(op: LakeOp, args: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startLakeService(config: Config, emit: (e: LakeEvent) => void): Promise<LakeService> {
  const db: Sql = await openDatabase(config);
  const transformer = await openTransformer(
    {
      ...config,
      duckdb: {
        memoryLimit: LAKE_DUCKDB_MEMORY,
        tempDirectory: join(dataDirLayout(config.dataDir).root, 'tmp', 'duckdb'),
      },
    },
    'duckdb',
    db,
  );
  const reader = caughtUpReporting(await openStreamReader(config), emit);
  const poller = createPoller({
    reader,
    processor: transformer.processor,
    compaction: transformer,
    // A committed batch: its records arrived at or before its last one's arrival.
    onBatch: (r, batch) =>
      emit({
        type: 'batch',
        throughMs: batch.records[batch.records.length - 1].arrivedAt.getTime(),
        outcomes: r.outcomes,
      }),
  });
  const registry = createSqlRegistry(db);
  const salts = createSqlSaltStore(db);
  const exclusive = createMutex();
  const consoleLake = createConsoleLake(dataDirLayout(config.dataDir).lake);
  const drain = () => exclusive<DrainResult>(() => poller.runOnce());

  const loopStop = new AbortController();
  const loop = runEvery(config.flushIntervalSec * 1000, loopStop.signal, async () => {
    try {
      emit({ type: 'drained', result: await drain() });
    } catch (err) {
      emit({ type: 'log', line: `transformer: ${(err as Error).message} (will retry)` });
    }
  });

  // Arguments arrive as the caller's values (structured clone), so each op passes them on as is.
  const ops: Record<LakeOp, (...args: never[]) => Promise<unknown>> = {
    'registry.get': (id: string) => registry.get(id),
    'registry.getByWriteKey': (key: string) => registry.getByWriteKey(key),
    'registry.create': (app: Parameters<typeof registry.create>[0]) => registry.create(app),
    'registry.list': () => registry.list(),
    'registry.page': (q: AppQuery) => registry.page(q),
    'registry.update': (id: string, changes: AppChanges) => registry.update(id, changes),
    'registry.disable': (id: string) => registry.disable(id),
    'registry.enable': (id: string) => registry.enable(id),
    'registry.rotateKey': (id: string) => registry.rotateKey(id),
    'registry.ping': () => registry.ping(),
    'salts.saltFor': (at: Date) => salts.saltFor(at),
    'lake.drain': () => drain(),
    'lake.compact': (hour: string) => {
      const partition = parseHour(hour);
      return exclusive(() => transformer.compact(partition));
    },
    'lake.rollups': () => readRollupRows(db),
    'console.overview': async (q: { appId?: string; hours: number }): Promise<Overview> => {
      const [hours, top_pages] = await Promise.all([
        readOverviewHours(db, q),
        consoleLake.topPages({ appId: q.appId, hours: q.hours }),
      ]);
      return { hours, top_pages };
    },
    'console.lake': () => consoleLake.summary(),
  };

  let stopping: Promise<void> | undefined;
  return {
    call(op, args) {
      const fn = ops[op] as (...a: unknown[]) => Promise<unknown>;
      return fn(...args);
    },
    stop() {
      stopping ??= (async () => {
        loopStop.abort();
        await loop;
        const last = await drain().catch((err: Error) => {
          emit({ type: 'log', line: `final drain failed: ${err.message}` });
          return undefined;
        });
        if (last && last.records > 0) emit({ type: 'drained', result: last });
        await reader.close();
        consoleLake.close();
        await transformer.close();
        await db.close();
      })();
      return stopping;
    },
  };
}

/** The process's main: wait for `init`, serve calls, stop on `stop`, exit when the parent goes. */
export function serveOverIpc(): void {
  const send: Send = (msg) => {
    if (process.connected) process.send?.(msg);
  };
  let service: LakeService | undefined;
  // The parent is gone (killed, crashed): exit at once, as the single process did before — the
  // stream checkpoint and the lake's idempotent file names make an interrupted batch safe to redo.
  process.on('disconnect', () => process.exit());
  process.on('message', (msg: ToLake) => {
    if (msg.kind === 'init') {
      startLakeService(msg.config, (event) => send({ kind: 'event', event })).then(
        (s) => {
          service = s;
          send({ kind: 'ready', pid: process.pid });
        },
        (err: Error) => {
          send({ kind: 'init-failed', error: err.message });
          process.exitCode = 1;
          process.disconnect?.();
        },
      );
    } else if (msg.kind === 'call') {
      if (!service) {
        send({ kind: 'reply', id: msg.id, ok: false, error: 'the transformer process is starting' });
        return;
      }
      service.call(msg.op, msg.args).then(
        (value) => send({ kind: 'reply', id: msg.id, ok: true, value }),
        (err: Error) => send({ kind: 'reply', id: msg.id, ok: false, error: err.message }),
      );
    } else if (msg.kind === 'stop') {
      (service?.stop() ?? Promise.resolve()).then(
        () => {
          send({ kind: 'stopped' });
          process.disconnect?.();
        },
        (err: Error) => {
          send({ kind: 'event', event: { type: 'log', line: `stop failed: ${err.message}` } });
          send({ kind: 'stopped' });
          process.disconnect?.();
        },
      );
    }
  });
}
