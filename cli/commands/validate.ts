import type { Command } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { HITS_STORED_VIEW } from '../../query/duckdb-engine.ts';
import { openQueryEngine } from '../../query/open.ts';
import { type CheckOutcome, runQualityChecks } from '../../query/quality-checks.ts';
import { DEFAULT_QUALITY_DAYS, type QualityWindow } from '../../schemas/ddl/quality.ts';
import { formatResult } from '../format.ts';

const SAMPLE_ROWS = 10;

/**
 * `--days` and `--until` → the window, its days named as literals so the SQL is the same on DuckDB
 * and Athena and prunes to those days' partitions.
 */
export function validationWindow(
  flags: { days?: unknown; until?: unknown },
  now = new Date(),
): QualityWindow {
  const days = flags.days === undefined ? DEFAULT_QUALITY_DAYS : Number(flags.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new Error(`--days must be a whole number from 1 to 366, got "${String(flags.days)}"`);
  }
  if (flags.until === undefined) return { days, until: now };
  const text = String(flags.until);
  const until = new Date(`${text}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(until.getTime()) ||
    until.toISOString().slice(0, 10) !== text
  ) {
    throw new Error(`--until must be a UTC day as YYYY-MM-DD, got "${text}"`);
  }
  return { days, until };
}

export function reportQuality(outcomes: CheckOutcome[]): { text: string; failed: number } {
  const lines: string[] = [];
  let failed = 0;
  for (const { check, result } of outcomes) {
    if (result.rows.length === 0) {
      lines.push(`ok    ${check.name}: ${check.description}`);
      continue;
    }
    failed += 1;
    lines.push(`FAIL  ${check.name}: ${check.description}`);
    const sample = { columns: result.columns, rows: result.rows.slice(0, SAMPLE_ROWS) };
    lines.push(
      ...formatResult(sample, 'table')
        .trimEnd()
        .split('\n')
        .map((l) => `      ${l}`),
    );
  }
  lines.push(
    failed === 0 ? `all ${outcomes.length} checks passed` : `${failed} of ${outcomes.length} checks failed`,
  );
  return { text: `${lines.join('\n')}\n`, failed };
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('run the data-quality checks over the lake; exits 1 when one finds rows')
    .option('--data-dir <dir>', 'local stack data directory')
    .option('--days <n>', `UTC days to check, ending with --until (default ${DEFAULT_QUALITY_DAYS})`)
    .option('--until <YYYY-MM-DD>', 'last UTC day to check (default today)')
    .option('--athena', 'run the checks on Athena instead of the local lake')
    .option('--workgroup <name>', 'Athena workgroup')
    .option('--database <name>', 'Athena/Glue database')
    .option('--aws-region <region>', 'AWS region')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const window = validationWindow(flags);
      const config = loadConfig(flags);
      const engine = await openQueryEngine(config, { athena: Boolean(flags.athena), withRollups: false });
      try {
        // Locally the checks read the files as stored: the `hits` view hides repeated log_ids.
        const table = flags.athena ? 'hits' : HITS_STORED_VIEW;
        const { text, failed } = reportQuality(await runQualityChecks(engine, window, table));
        process.stdout.write(text);
        if (failed > 0) process.exitCode = 1;
      } finally {
        await engine.close();
      }
    });
}
