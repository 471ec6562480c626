/** `alt compact --hour YYYY-MM-DDTHH`: merge an hour's files into one, drop duplicates, fix rollups. */
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { callAdmin } from '../../lib/local-stack/admin-api.ts';
import { readDevLock, requireLocalData } from '../../lib/local-stack/dev-lock.ts';
import { parseHour } from '../../transformer/lake/paths.ts';
import type { CompactResult } from '../../transformer/maintenance/compact.ts';
import { openTransformer } from '../../transformer/open.ts';
import { count } from '../format.ts';

interface CompactFlags {
  hour: string;
  json?: boolean;
  [flag: string]: string | boolean | undefined;
}

export function registerCompact(program: Command): void {
  program
    .command('compact')
    .description(
      'merge one hour of hits/ into a single sorted file without duplicate log_ids; recompute its rollups',
    )
    .requiredOption('--hour <hour>', 'UTC hour as YYYY-MM-DDTHH')
    .option('--data-dir <dir>', 'local stack data directory')
    .option('--database-url <url>', 'PostgreSQL for the rollups (instead of PGlite in <data-dir>/pg)')
    .option('--lake-bucket <bucket>', 'S3 lake bucket (instead of <data-dir>/lake)')
    .option('--s3-endpoint <url>', 'S3 endpoint (s3rver, MinIO)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: CompactFlags) => {
      const partition = parseHour(flags.hour);
      const config = loadConfig(flags);
      const lock = config.databaseUrl || config.lakeBucket ? null : readDevLock(config.dataDir);
      if (lock) {
        const r = await callAdmin<CompactResult>(lock, 'compact', { hour: flags.hour });
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(r)}\n`
            : `${partition}: ${count(r.inputs, 'file')}, ${count(r.rowsIn, 'row')} → ${count(r.rowsOut, 'row')}\n`,
        );
        return;
      }
      // A local lake that is not there: say where we looked instead of creating a data dir.
      if (!config.lakeBucket) requireLocalData(config.dataDir, 'lake');
      const t = await openTransformer(config);
      try {
        if (process.stderr.isTTY && !flags.json) process.stderr.write(`compacting ${partition}…\n`);
        const r = await t.compact(partition);
        if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (!r.key) process.stdout.write(`${partition}: no files, nothing to do\n`);
        else {
          process.stdout.write(
            `${partition}: ${count(r.inputs, 'file')}, ${count(r.rowsIn, 'row')} → ${count(r.rowsOut, 'row')} in ${t.store.describe(r.key)}\n`,
          );
        }
      } finally {
        await t.close();
      }
    });
}
