import { type Command, Option } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { openQueryEngine } from '../../query/open.ts';
import { formatResult, formatStats, OUTPUT_FORMATS, type OutputFormat } from '../format.ts';

interface QueryFlags {
  format: OutputFormat;
  athena?: boolean;
  quiet?: boolean;
  [flag: string]: string | boolean | undefined;
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run SQL over the lake: DuckDB locally (hits, hits_hourly), Athena with --athena')
    .argument('<sql>', 'one SQL statement; quote "timestamp", filter on year/month/day/hour')
    .addOption(new Option('--format <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--data-dir <dir>', 'local stack data directory')
    .option('--database-url <url>', 'PostgreSQL with the hits_hourly rollups (instead of PGlite)')
    .option('--athena', 'run on Athena instead of the local lake')
    .option('--workgroup <name>', 'Athena workgroup')
    .option('--database <name>', 'Athena/Glue database')
    .option('--aws-region <region>', 'AWS region')
    .option('-q, --quiet', 'no stats line on stderr')
    .action(async (sql: string, flags: QueryFlags) => {
      const config = loadConfig(flags);
      const engine = await openQueryEngine(config, { athena: flags.athena });
      try {
        const result = await engine.run(sql);
        process.stdout.write(formatResult(result, flags.format));
        if (!flags.quiet) process.stderr.write(`${formatStats(result.stats, result.rows.length)}\n`);
      } finally {
        await engine.close();
      }
    });
}
