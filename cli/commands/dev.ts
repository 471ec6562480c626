import type { Command } from 'commander';
import { loadConfig } from '../../lib/config.ts';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run the whole pipeline locally (collector, stream, transformer, PGlite)')
    .option('--port <port>', 'collector port')
    .option('--data-dir <dir>', 'data directory')
    .option('--flush-interval <seconds>', 'seconds between transformer runs')
    .action((flags: Record<string, string>) => {
      const config = loadConfig(flags);
      console.log(
        [
          'ALT local stack — not yet runnable in this build.',
          '',
          'What exists today: the schema source (schemas/), the generated DDL and the config loader.',
          `It would start: collector on http://${config.host}:${config.port}, data in ${config.dataDir}.`,
          '',
          'Try:  npm run alt -- ddl athena | snowflake | aurora | quality',
        ].join('\n'),
      );
    });
}
