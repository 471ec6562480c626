/**
 * `alt dev` (= `npm start`): the whole pipeline on one machine — collector on the segment-log
 * stream, the transformer loop writing the local lake in a lower-priority process of its own,
 * PGlite (or `DATABASE_URL`) for registry and rollups, a demo app and page. The stack itself is `startLocalStack` (cli/local/stack.ts); this
 * command adds flags, the demo app, the banner and signal handling. Other `alt` commands reach the
 * process through its loopback admin API (see `cli/local/`), because PGlite allows one process per
 * data directory.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ensureBeacon } from '../../beacon/build.ts';
import { renderSnippet } from '../../beacon/snippet.ts';
import { startHeapCycle } from '../../collector/heap-cycle.ts';
import type { AppRegistry } from '../../collector/registry/registry.ts';
import { loadConfig, SETTINGS } from '../../lib/config.ts';
import { dataDirLayout } from '../../lib/data-dir.ts';
import { demoPage } from '../local/demo-page.ts';
import { assertPortFree } from '../local/port.ts';
import { startLocalStack } from '../local/stack.ts';

/** Group commit on the local segment log (see the config below). */
export const LOCAL_LOG_PUTS_IN_FLIGHT = '1';
export const LOCAL_LOG_LINGER_MS = '2';

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
    .option('--compact-grace <minutes>', 'minutes after an hour ends before it is compacted (default 15)')
    .option(
      '--trust-proxy-hops <n>',
      'proxies to trust in X-Forwarded-For, behind a local reverse proxy (default 0)',
    )
    .option('--log-level <level>', 'collector log level (default warn here)')
    .action(async (flags: Record<string, string | undefined>) => {
      const config = loadConfig({
        ...flags,
        '--flush-interval': flags.flushInterval,
        '--compact-grace': flags.compactGrace,
        '--log-level': flags.logLevel ?? process.env.ALT_LOG_LEVEL ?? 'warn',
        // The local segment log, unless a Kinesis API is named (then Kinesis with the disk spool).
        '--stream': flags.kinesisEndpoint ? 'kinesis' : 'local',
        // On the segment log every put waits for one fsync and puts are committed one at a time,
        // so a second put in flight only makes records smaller: one put, gathering hits for 2 ms,
        // cut the collector's CPU at 5,000 hits/s from ~64 % to ~43 % of a core (fewer, bigger
        // gzip envelopes and fsyncs; bench/sustained-dev.ts) for ≤ 2 ms more per answer. Kinesis
        // keeps the collector's defaults (several puts in flight hide its network round trip).
        ...(!flags.kinesisEndpoint && {
          '--puts-in-flight': process.env.ALT_PUTS_IN_FLIGHT || LOCAL_LOG_PUTS_IN_FLIGHT,
          '--linger-ms': process.env.ALT_LINGER_MS || LOCAL_LOG_LINGER_MS,
        }),
      });
      const layout = dataDirLayout(config.dataDir);
      const dataDir = layout.root;
      const say = (s: string) => process.stdout.write(`${s}\n`);
      // Before anything is created: a port in use would otherwise fail seconds later, after the
      // data dir and its database were made.
      await assertPortFree(config.host, config.port);
      // Follow-up commands in another terminal do not see this one's flags or environment.
      const dirFlag = dataDir === resolve(SETTINGS.dataDir.default) ? '' : ` --data-dir ${dataDir}`;

      say(`ALT local stack: starting (data in ${dataDir})…`);
      const manifest = await ensureBeacon();
      let page = '';
      const stack = await startLocalStack(config, {
        extend(app) {
          app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page));
        },
        log: say,
      });
      // This process is the collector: its old generation returned every two minutes, not every half hour.
      const heapCycle = startHeapCycle();
      const collectorUrl = stack.collectorUrl;
      const demo = await demoApp(stack.registry, dataDir);
      const snippet = renderSnippet({ appId: demo.app_id, collectorUrl, manifest });
      page = demoPage({ appId: demo.app_id, snippet, dataDir });

      say(
        [
          '',
          `ALT is running. Open the demo page and click around:  ${collectorUrl}/`,
          `Console (apps, snippets, live hits, numbers):        ${stack.consoleUrl}`,
          '  (loopback only; the link carries the token from dev.lock and signs this browser in)',
          '',
          `  collector   ${collectorUrl}/v1/hits   (metrics: ${collectorUrl}/metrics)`,
          `  demo app    ${demo.app_id}${demo.created ? '  (created now; write key in demo-app.json in the data dir)' : ''}`,
          `  lake        ${layout.lake}   (written every ${config.flushIntervalSec} s)`,
          `  transformer process ${stack.transformerPid()} at lower priority   (lag: alt_transformer_lag_seconds in metrics)`,
          `  database    ${config.databaseUrl ? 'DATABASE_URL' : layout.pg}`,
          `  stream      ${config.stream === 'kinesis' ? `Kinesis ${config.kinesisStream} at ${config.kinesisEndpoint} (spool: ${layout.spool})` : layout.stream}`,
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
      heapCycle.stop();
      await stack.stop();
      say('stopped.');
    });
}
