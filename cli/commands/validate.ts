import type { Command } from 'commander';
import { loadConfig } from '../../lib/config.ts';
import { type QualityQuery, qualityQueries } from '../../schemas/ddl/quality.ts';
import { formatResult } from '../format.ts';
import type { QueryEngine, QueryResult } from '../query/engine.ts';
import { openQueryEngine } from '../query/open.ts';

export interface CheckOutcome {
  check: QualityQuery;
  /** Rows found (a failing check); empty when it passes. */
  result: QueryResult;
}

const SAMPLE_ROWS = 10;

/** Runs every data-quality query; a check fails when it returns rows. */
export async function runQualityChecks(engine: QueryEngine, table = 'hits'): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  for (const check of qualityQueries(table)) out.push({ check, result: await engine.run(check.sql) });
  return out;
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
    .option('--athena', 'run the checks on Athena instead of the local lake')
    .option('--workgroup <name>', 'Athena workgroup')
    .option('--database <name>', 'Athena/Glue database')
    .option('--aws-region <region>', 'AWS region')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const config = loadConfig(flags);
      const engine = await openQueryEngine(config, { athena: Boolean(flags.athena), withRollups: false });
      try {
        const { text, failed } = reportQuality(await runQualityChecks(engine));
        process.stdout.write(text);
        if (failed > 0) process.exitCode = 1;
      } finally {
        await engine.close();
      }
    });
}
