import type { Command } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { readDevLock } from '../../lib/local-stack/dev-lock.ts';
import { openRollupDb } from '../../query/open.ts';
import { openStore } from '../../transformer/open.ts';
import { describePurge, purgeApp } from '../purge/purge-app.ts';

/**
 * `alt apps purge <app_id>`: adds itself to the `apps` command when another module registered it
 * first (register this after it), or creates it.
 */
export function registerAppsPurge(program: Command): void {
  const apps =
    program.commands.find((c) => c.name() === 'apps') ?? program.command('apps').description('manage apps');
  apps
    .command('purge')
    .description("delete an app's hits from the lake (hits/, raw/, bad/) and its rollups")
    .argument('<app_id>', 'the app to purge')
    .option('--data-dir <dir>', 'local stack data directory')
    .option('--database-url <url>', 'PostgreSQL with the rollups (instead of PGlite)')
    .option('--lake-bucket <bucket>', 'S3 lake bucket (instead of <data-dir>/lake)')
    .option('--s3-endpoint <url>', 'S3 endpoint (s3rver, MinIO)')
    .option('--yes', 'really purge; without it, only report what would change')
    .action(async (appId: string, flags: { yes?: boolean; [k: string]: string | boolean | undefined }) => {
      const config = loadConfig(flags);
      const dev = readDevLock(config.dataDir);
      if (dev) {
        // The transformer would keep writing the app's hits and PGlite is dev's alone.
        throw new Error(`alt dev is running for ${config.dataDir} (pid ${dev.pid}): stop it, then purge`);
      }
      const db = await openRollupDb(config);
      try {
        const report = await purgeApp({
          store: openStore(config),
          appId,
          rollups: db,
          dryRun: !flags.yes,
        });
        process.stdout.write(describePurge(appId, report));
      } finally {
        await db?.close();
      }
    });
}
