/** `alt replay --from raw --hours A..B`: rebuild hours of hits/ (and their rollups) from raw/. */
import { type Command, Option } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { readDevLock, requireLocalData } from '../../lib/local-stack/dev-lock.ts';
import { hourRange, parseHour } from '../../transformer/lake/paths.ts';
import { replayHours } from '../../transformer/maintenance/replay.ts';
import { openTransformer } from '../../transformer/open.ts';
import { count } from '../format.ts';

interface ReplayFlags {
  from: 'raw';
  hours: string;
  rollups: boolean;
  json?: boolean;
  [flag: string]: string | boolean | undefined;
}

export function parseHours(text: string): string[] {
  const [a, b] = text.split('..');
  return hourRange(parseHour(a), parseHour(b ?? a));
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('rebuild hours of hits/ from the raw archive, replacing what is there')
    .addOption(new Option('--from <source>', 'what to rebuild from').choices(['raw']).makeOptionMandatory())
    .requiredOption('--hours <A..B>', 'UTC hours as YYYY-MM-DDTHH..YYYY-MM-DDTHH (or one hour)')
    .option('--no-rollups', 'leave hits_hourly as it is (default: recompute the hours from the rebuilt lake)')
    .option('--data-dir <dir>', 'local stack data directory')
    .option('--database-url <url>', 'PostgreSQL for the rollups (instead of PGlite in <data-dir>/pg)')
    .option('--lake-bucket <bucket>', 'S3 lake bucket (instead of <data-dir>/lake)')
    .option('--s3-endpoint <url>', 'S3 endpoint (s3rver, MinIO)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: ReplayFlags) => {
      const hours = parseHours(flags.hours);
      const config = loadConfig(flags);
      const lock = config.databaseUrl || config.lakeBucket ? null : readDevLock(config.dataDir);
      if (lock) {
        throw new Error(
          `alt dev (pid ${lock.pid}) is using ${config.dataDir}: stop it (Ctrl-C) before replaying, so no batch lands mid-rebuild`,
        );
      }
      if (!config.lakeBucket) requireLocalData(config.dataDir, 'lake');
      const t = await openTransformer(config);
      const tty = process.stderr.isTTY && !flags.json;
      try {
        const r = await replayHours(
          { store: t.store, writer: t.writer, rollups: flags.rollups ? t.rollups : undefined },
          hours,
          (p) => {
            if (tty)
              process.stderr.write(
                `\r${p.phase === 'raw' ? 'reading raw' : 'compacting'} ${p.done}/${p.total}   `,
              );
          },
        );
        if (tty) process.stderr.write('\n');
        if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else {
          process.stdout.write(
            `${count(hours.length, 'hour')}: ${count(r.rawFiles, 'raw file')} read, ${count(r.rows, 'row')} rebuilt, ${count(r.hours.length, 'hour')} replaced\n`,
          );
        }
      } finally {
        await t.close();
      }
    });
}
