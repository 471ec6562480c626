/**
 * `alt dev` (= `npm start`): the whole pipeline on one machine — collector on the segment-log
 * stream, the transformer loop writing the local lake, PGlite (or `DATABASE_URL`) for registry and
 * rollups, a demo app and page. Other `alt` commands reach this process through its loopback admin
 * API (see `cli/local/`), because PGlite allows one process per data directory.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureBeacon } from '../../beacon/build.ts';
import { renderSnippet } from '../../beacon/snippet.ts';
import { startCollector } from '../../collector/main.ts';
import type { AppRegistry } from '../../collector/registry/registry.ts';
import { loadConfig, SETTINGS } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db/open-database.ts';
import { ROLLUPS_ADMIN_OP, readRollupRows } from '../../query/duckdb-engine.ts';
import { openStreamReader } from '../../stream/from-config.ts';
import { createPoller, type DrainResult } from '../../transformer/drivers/poller.ts';
import { parseHour } from '../../transformer/lake/paths.ts';
import { openTransformer } from '../../transformer/open.ts';
import { count } from '../format.ts';
import { type AdminHandlers, startAdminServer } from '../local/admin.ts';
import { appJson, type NewAppArgs, parseNewApp } from '../local/apps-admin.ts';
import { demoPage } from '../local/demo-page.ts';
import { newAdminToken, writeDevLock } from '../local/dev-lock.ts';
import { assertPortFree } from '../local/port.ts';
import { runEvery } from '../local/run-every.ts';

interface DemoApp {
  app_id: string;
  write_key: string;
}

/** The demo app is created on first run and remembered in the data dir (a local, single-user stack). */
async function demoApp(registry: AppRegistry, dataDir: string): Promise<DemoApp & { created: boolean }> {
  const file = join(dataDir, 'demo-app.json');
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoApp;
    if (await registry.get(saved.app_id)) return { ...saved, created: false };
  }
  const { app, writeKey } = await registry.create({ name: 'demo', origins: [], botPolicy: 'drop' });
  const saved = { app_id: app.appId, write_key: writeKey };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { ...saved, created: true };
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

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run the whole pipeline locally: collector, stream, transformer loop, PGlite, demo page')
    .option('--port <port>', 'collector port (default 8080)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (default ./.alt)')
    .option('--database-url <url>', 'use this PostgreSQL instead of PGlite')
    .option(
      '--kinesis-endpoint <url>',
      'write to and read from this Kinesis API (e.g. kinesis-local) instead of the local log',
    )
    .option('--kinesis-stream <name>', 'Kinesis stream name (default alt-hits)')
    .option('--flush-interval <seconds>', 'seconds between transformer runs (default 10)')
    .option('--log-level <level>', 'collector log level (default warn here)')
    .action(async (flags: Record<string, string | undefined>) => {
      const config = loadConfig({
        ...flags,
        '--flush-interval': flags.flushInterval,
        '--log-level': flags.logLevel ?? process.env.ALT_LOG_LEVEL ?? 'warn',
        // The local segment log, unless a Kinesis API is named (then Kinesis with the disk spool).
        '--stream': flags.kinesisEndpoint ? 'kinesis' : 'local',
      });
      const dataDir = resolve(config.dataDir);
      const say = (s: string) => process.stdout.write(`${s}\n`);
      // Before anything is created: a port in use would otherwise fail seconds later, after the
      // data dir and its database were made.
      await assertPortFree(config.host, config.port);
      // Follow-up commands in another terminal do not see this one's flags or environment.
      const dirFlag = dataDir === resolve(SETTINGS.dataDir.default) ? '' : ` --data-dir ${dataDir}`;

      say(`ALT local stack: starting (data in ${dataDir})…`);
      const manifest = await ensureBeacon();
      const db = await openDatabase({ ...config, dataDir });
      let page = '';
      const collector = await startCollector(
        { ...config, dataDir },
        {
          db,
          extend(app) {
            app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
          },
        },
      );
      const transformer = await openTransformer({ ...config, dataDir }, 'duckdb', db);
      const reader = await openStreamReader({ ...config, dataDir });
      const poller = createPoller({ reader, processor: transformer.processor, compact: transformer.compact });
      const exclusive = createMutex();
      const drain = () => exclusive<DrainResult>(() => poller.runOnce());

      const demo = await demoApp(collector.registry, dataDir);
      const snippet = renderSnippet({ appId: demo.app_id, collectorUrl: collector.url, manifest });
      page = demoPage({ appId: demo.app_id, snippet, dataDir });

      const handlers: AdminHandlers = {
        async appsCreate(body) {
          const { app, writeKey } = await collector.registry.create(
            parseNewApp(body as unknown as NewAppArgs),
          );
          return { ...appJson(app), write_key: writeKey };
        },
        async appsList() {
          return (await collector.registry.list()).map(appJson);
        },
        async appsGet(body) {
          const app = await collector.registry.get(String(body.app_id));
          return app && appJson(app);
        },
        async appsDisable(body) {
          return { disabled: await collector.registry.disable(String(body.app_id)) };
        },
        async appsEnable(body) {
          return { enabled: await collector.registry.enable(String(body.app_id)) };
        },
        async appsRotateKey(body) {
          return { write_key: await collector.registry.rotateKey(String(body.app_id)) };
        },
        transform: () => drain(),
        async compact(body) {
          const partition = parseHour(String(body.hour));
          return exclusive(() => transformer.compact(partition));
        },
        [ROLLUPS_ADMIN_OP]: () => readRollupRows(db),
      };
      const token = newAdminToken();
      const admin = await startAdminServer(token, handlers);
      const releaseLock = writeDevLock(dataDir, {
        pid: process.pid,
        collectorUrl: collector.url,
        adminPort: admin.port,
        token,
      });

      const stop = new AbortController();
      const loop = runEvery(config.flushIntervalSec * 1000, stop.signal, async () => {
        try {
          const r = await drain();
          if (r.records > 0) {
            say(
              `transformer: ${count(r.lakeRows, 'hit')} to the lake (${count(r.hours.length, 'hour')} compacted)`,
            );
          }
        } catch (err) {
          say(`transformer: ${(err as Error).message} (will retry)`);
        }
      });

      say(
        [
          '',
          `ALT is running. Open the demo page and click around:  ${collector.url}/`,
          '',
          `  collector   ${collector.url}/v1/hits   (metrics: ${collector.url}/metrics)`,
          `  demo app    ${demo.app_id}${demo.created ? '  (created now; write key in demo-app.json in the data dir)' : ''}`,
          `  lake        ${join(dataDir, 'lake')}   (written every ${config.flushIntervalSec} s)`,
          `  database    ${config.databaseUrl ? 'DATABASE_URL' : join(dataDir, 'pg')}`,
          `  stream      ${config.stream === 'kinesis' ? `Kinesis ${config.kinesisStream} at ${config.kinesisEndpoint} (spool: ${join(dataDir, 'spool')})` : join(dataDir, 'stream')}`,
          '',
          'In another terminal:',
          `  npm run alt -- transform --once${dirFlag}          # move hits into the lake now`,
          `  npm run alt -- query${dirFlag} "SELECT event_type, status, count(*) AS hits FROM hits GROUP BY ALL"`,
          `  npm run alt -- validate${dirFlag}                  # data-quality checks`,
          `  npm run alt -- apps create${dirFlag} --name "My site" --origin https://example.com`,
          '',
          'Snippet for your own page:',
          snippet,
          '',
          'Ctrl-C stops (pending hits are flushed and transformed first).',
        ].join('\n'),
      );

      await new Promise<void>((done) => {
        const shutdown = () => done();
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      });
      say('stopping: flushing the collector and draining the stream…');
      stop.abort();
      await loop;
      await collector.stop();
      await drain().catch((err) => say(`final drain failed: ${(err as Error).message}`));
      await admin.close();
      await reader.close();
      await transformer.close();
      await db.close();
      releaseLock();
      say('stopped.');
    });
}
