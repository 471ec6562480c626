/** `alt transform --once`: drain the local stream into the lake and the rollups, then exit. */
import { type Command, Option } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { callAdmin } from '../../lib/local-stack/admin-api.ts';
import { readDevLock, requireLocalData } from '../../lib/local-stack/dev-lock.ts';
import { openStreamReader } from '../../stream/from-config.ts';
import { createPoller, type DrainResult } from '../../transformer/drivers/poller.ts';
import { openTransformer } from '../../transformer/open.ts';
import type { WriterName } from '../../transformer/parquet/index.ts';
import { count } from '../format.ts';

interface TransformFlags {
  once?: boolean;
  writer: WriterName;
  json?: boolean;
  [flag: string]: string | boolean | undefined;
}

function printDrain(r: DrainResult, json: boolean | undefined): void {
  if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    process.stdout.write(
      `${count(r.batches, 'batch', 'batches')}, ${count(r.records, 'record')}: ${count(r.lakeRows, 'hit')} to the lake, ${count(r.droppedBots, 'dropped bot')} counted, ` +
        `${count(r.duplicates, 'duplicate')} dropped, ${r.bad} bad; compacted ${count(r.hours.length, 'hour')}\n`,
    );
  }
}

export function registerTransform(program: Command): void {
  program
    .command('transform')
    .description('drain the local stream into the lake (hits/, raw/, bad/) and the hits_hourly rollups')
    .option('--once', 'drain until caught up, compact the closed hours that are due, exit')
    .option('--compact-grace <minutes>', 'minutes after an hour ends before it is compacted (default 15)')
    .option('--data-dir <dir>', 'local stack data directory')
    .option('--database-url <url>', 'PostgreSQL for the rollups (instead of PGlite in <data-dir>/pg)')
    .option('--flush-interval <seconds>', 'seconds between runs without --once')
    .option('--stream <stream>', 'read the local segment log (local) or Kinesis (kinesis)')
    .option('--kinesis-stream <name>', 'Kinesis stream name')
    .option('--kinesis-endpoint <url>', 'Kinesis endpoint (kinesis-local)')
    .addOption(
      new Option('--writer <writer>', 'Parquet writer').choices(['duckdb', 'parquetjs']).default('duckdb'),
    )
    .option('--json', 'print the summary as JSON')
    .action(async (flags: TransformFlags) => {
      // commander camel-cases --flush-interval to flushInterval; the setting is flushIntervalSec.
      const config = loadConfig({
        ...flags,
        '--flush-interval': flags.flushInterval,
        '--compact-grace': flags.compactGrace,
      });
      // While `alt dev` holds the data dir, its own transformer does the work (one process per PGlite).
      const lock = config.databaseUrl || config.stream !== 'local' ? null : readDevLock(config.dataDir);
      if (lock) {
        if (!flags.once)
          throw new Error(`alt dev (pid ${lock.pid}) is already transforming ${config.dataDir}`);
        const r = await callAdmin<DrainResult>(lock, 'transform');
        printDrain(r, flags.json);
        return;
      }
      // Nothing was ever collected into a local stream that is not there: say where we looked.
      if (config.stream === 'local') requireLocalData(config.dataDir, 'stream');
      const t = await openTransformer(config, flags.writer);
      const reader = await openStreamReader(config);
      const tty = process.stderr.isTTY && !flags.json;
      let records = 0;
      const poller = createPoller({
        reader,
        processor: t.processor,
        compaction: t,
        onBatch(r) {
          records += r.counts.records;
          if (tty) process.stderr.write(`\r${records} records…`);
        },
      });
      try {
        if (flags.once) {
          const r = await poller.runOnce();
          if (tty) process.stderr.write('\r');
          printDrain(r, flags.json);
          return;
        }
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        await poller.run(config.flushIntervalSec * 1000, stop.signal);
      } finally {
        await reader.close();
        await t.close();
      }
    });
}
