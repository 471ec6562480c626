/**
 * The transformer's metrics for the local stack: every batch's line outcomes counted by outcome and
 * reason on a prom-client counter, on a registry of its own, to be served beside the collector's.
 * (The Lambda publishes the same counts as CloudWatch EMF lines: `metrics-emf.ts`, which keeps
 * prom-client out of its bundle.)
 *
 *   alt_transformer_records_total{outcome, reason}
 *
 * `outcome` is `ok` (reason `ok`), `dropped` or `bad`; reasons are `core/outcome.ts`'s lists.
 */
import { Counter, Registry } from 'prom-client';
import { emptyOutcomeCounts, type OutcomeCounts, outcomeEntries } from './core/outcome.ts';

export const RECORDS_METRIC = 'alt_transformer_records_total';

export function createTransformerMetrics() {
  const registry = new Registry();
  const records = new Counter({
    name: RECORDS_METRIC,
    help: 'stream lines the transformer classified, by outcome (ok, dropped, bad) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  // Every series from the start, at zero: a rate over a series that appears only with its first
  // bad line would miss that line.
  for (const e of outcomeEntries(emptyOutcomeCounts()))
    records.inc({ outcome: e.outcome, reason: e.reason }, 0);
  return {
    registry,
    records,
    /** Counts one batch's outcomes (`BatchResult.outcomes`). */
    observe(outcomes: OutcomeCounts): void {
      for (const e of outcomeEntries(outcomes)) {
        if (e.count > 0) records.inc({ outcome: e.outcome, reason: e.reason }, e.count);
      }
    },
  };
}

export type TransformerMetrics = ReturnType<typeof createTransformerMetrics>;
