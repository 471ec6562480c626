/**
 * The local stack, assembled once for `alt dev`, the end-to-end tests and anything else that wants
 * the whole pipeline on one machine, in two processes: this one runs the collector (and the
 * loopback admin API with `dev.lock`); a transformer process (`lake-process.ts`, started at a lower
 * priority) owns the database (PGlite in the data dir unless configured otherwise), the stream
 * reader, the transformer and its timer loop. The collector's registry and salts are answered
 * from there and cached here, so a backlog being transformed never runs on the collector's event
 * loop (DESIGN §5). Nothing here knows about commander: `cli/commands/dev.ts` adds flags, banner
 * and signals.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { readManifest, withBeaconCode } from '../../beacon/build.ts';
import { createLiveTap } from '../../collector/live.ts';
import { startCollector } from '../../collector/main.ts';
import type { AppRegistry } from '../../collector/registry/registry.ts';
import { consoleUrl, registerConsole } from '../../console/server.ts';
import type { Config } from '../../lib/config.ts';
import { type AdminHandlers, startAdminServer } from '../../lib/local-stack/admin-api.ts';
import { newAdminToken, writeDevLock } from '../../lib/local-stack/dev-lock.ts';
import { ROLLUPS_ADMIN_OP } from '../../query/duckdb-engine.ts';
import type { DrainResult } from '../../transformer/drivers/poller.ts';
import type { CompactResult } from '../../transformer/maintenance/compact.ts';
import { createTransformerMetrics } from '../../transformer/metrics.ts';
import { count } from '../format.ts';
import { appJson, type NewAppArgs, parseNewApp } from './apps-admin.ts';
import { createLocalConsoleSource } from './console-source.ts';
import { createLagTracker, type LagSnapshot } from './lag.ts';
import { type LakeProcess, startLakeProcess } from './lake-client.ts';
import type { LakeEvent } from './lake-protocol.ts';
import { runEvery } from './run-every.ts';

export interface LocalStackOptions {
  /** Adds routes to the collector before it listens (`alt dev`: the demo page at `/`). */
  extend?(app: FastifyInstance): void;
  /** Progress lines of the transformer loop, its lag when it grows, and the final drain. */
  log?(line: string): void;
}

export interface LocalStack {
  /** The data dir, resolved. */
  dataDir: string;
  collectorUrl: string;
  registry: AppRegistry;
  adminPort: number;
  /** The console (`/_alt/`) on the admin API's loopback listener, with the token that signs a browser in. */
  consoleUrl: string;
  /** The transformer process's pid. */
  transformerPid(): number | undefined;
  /** How far the transformer is behind the collector. */
  lag(): LagSnapshot;
  /** Moves everything the stream holds into the lake (in the transformer process), then compacts the hours that are due. */
  drain(): Promise<DrainResult>;
  /** Compacts one hour (`YYYY-MM-DDTHH` or a partition path), never alongside a drain. */
  compact(hour: string): Promise<CompactResult>;
  /** Stops the collector, lets the transformer drain what it flushed, closes everything, drops the lock. */
  stop(): Promise<void>;
}

/** The admin API's operations: what `alt apps`, `alt transform --once`, `alt compact` and `alt query` ask. */
function adminHandlers(
  stack: Pick<LocalStack, 'registry' | 'drain' | 'compact'>,
  lake: LakeProcess,
): AdminHandlers {
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
    [ROLLUPS_ADMIN_OP]: () => lake.call('lake.rollups'),
  };
}

/** Lag worth a line in `alt dev`'s output: three timer intervals behind, and at least 30 s. */
const lagWorthSaying = (lag: LagSnapshot, flushIntervalSec: number) =>
  lag.seconds >= Math.max(30, 3 * flushIntervalSec);

export async function startLocalStack(config: Config, opts: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(config.dataDir);
  const log = opts.log ?? (() => {});
  const cfg = { ...config, dataDir };
  const lagTracker = createLagTracker();
  const lag = () => lagTracker.snapshot(Date.now());
  let transformerMetrics: ReturnType<typeof createTransformerMetrics> | undefined;

  const onEvent = (e: LakeEvent) => {
    if (e.type === 'batch') {
      lagTracker.transformedThrough(e.throughMs);
      transformerMetrics?.observe(e.outcomes);
    } else if (e.type === 'caught-up') lagTracker.transformedThrough(e.atMs);
    else if (e.type === 'drained') {
      const r = e.result;
      const compacted = r.hours.length > 0 ? `${count(r.hours.length, 'closed hour')} compacted` : '';
      if (r.records > 0) {
        log(`transformer: ${count(r.lakeRows, 'hit')} to the lake${compacted && ` (${compacted})`}`);
      } else if (compacted) log(`transformer: ${compacted}`);
    } else log(e.line);
  };
  const lake = await startLakeProcess(cfg, { onEvent, log });
  const tap = createLiveTap();
  let collector: Awaited<ReturnType<typeof startCollector>>;
  try {
    collector = await startCollector(cfg, {
      live: tap,
      stores: { registry: lake.registry, salts: lake.salts },
      extend: opts.extend,
      addMetrics(registry) {
        transformerMetrics = createTransformerMetrics({ registry, lag });
      },
      onFlushed: (info) => lagTracker.written(info.hits, Date.now()),
    });
  } catch (err) {
    await lake.stop();
    throw err;
  }
  const drain = () => lake.call<DrainResult>('lake.drain');
  const compact = (hour: string) => lake.call<CompactResult>('lake.compact', hour);

  const token = newAdminToken();
  const consoleSource = createLocalConsoleSource({
    label: `alt dev (${dataDir})`,
    registry: collector.registry,
    lake,
    lag,
    metrics: collector.metrics,
    collectorUrl: cfg.publicUrl ?? collector.url,
    // The build the collector loaded at start: the snippet must name the file it serves (and
    // inline, carry its code; files that do not match their manifest leave the src snippet only).
    manifest: await readManifest().then((m) => m && withBeaconCode(m).catch(() => m)),
    tap,
  });
  const admin = await startAdminServer(
    token,
    adminHandlers({ registry: collector.registry, drain, compact }, lake),
    (app) => registerConsole(app, consoleSource, { token }),
  );
  const releaseLock = writeDevLock(dataDir, {
    pid: process.pid,
    collectorUrl: collector.url,
    adminPort: admin.port,
    token,
  });

  // Lag is said when it grows past what the timer explains, and once more when it is gone.
  const watchStop = new AbortController();
  let behind = false;
  let saidAt = 0;
  const watch = runEvery(5_000, watchStop.signal, async () => {
    const now = lag();
    if (lagWorthSaying(now, config.flushIntervalSec)) {
      if (!behind || Date.now() - saidAt >= 30_000) {
        log(`transformer: ${count(now.hits, 'hit')} behind (oldest ${Math.round(now.seconds)} s)`);
        saidAt = Date.now();
      }
      behind = true;
    } else if (behind && now.hits === 0) {
      log('transformer: caught up');
      behind = false;
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    dataDir,
    collectorUrl: collector.url,
    registry: collector.registry,
    adminPort: admin.port,
    consoleUrl: consoleUrl(admin.port, token),
    transformerPid: () => lake.pid(),
    lag,
    drain,
    compact,
    stop() {
      stopping ??= (async () => {
        watchStop.abort();
        await watch;
        // The collector first: its last hits reach the stream before the transformer's last drain.
        await collector.stop();
        await lake.stop();
        consoleSource.close();
        await admin.close();
        releaseLock();
      })();
      return stopping;
    },
  };
}
