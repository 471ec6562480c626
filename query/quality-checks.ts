/**
 * The data-quality checks run on any `QueryEngine`: each query of `schemas/ddl/quality.ts` over
 * the window's days; a check fails when it returns rows. `alt validate` prints the outcomes.
 */
import { type QualityQuery, type QualityWindow, qualityQueries } from '../schemas/ddl/quality.ts';
import type { QueryEngine, QueryResult } from './engine.ts';

export interface CheckOutcome {
  check: QualityQuery;
  /** Rows found (a failing check); empty when it passes. */
  result: QueryResult;
}

export async function runQualityChecks(
  engine: QueryEngine,
  window: QualityWindow,
  table = 'hits',
): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  for (const check of qualityQueries(table, window)) out.push({ check, result: await engine.run(check.sql) });
  return out;
}
