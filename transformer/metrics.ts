/**
 * The transformer's metrics for the local stack: every batch's line outcomes counted by outcome and
 * reason on a prom-client counter, on a registry of its own, to be served beside the collector's.
 * (The Lambda publishes the same counts as CloudWatch EMF lines: `metrics-emf.ts`, which keeps
 * prom-client out of its bundle.)
 *
 *   alt_transformer_records_total{outcome, reason}
 *   alt_transformer_lag_hits      hits acknowledged by the collector, not yet in the lake
 *   alt_transformer_lag_seconds   age of the oldest of them (0 when caught up)
 *
 * The lag gauges exist where something measures lag (`alt dev`: `cli/local/lag.ts`); they are
 * read when scraped.
 *
 * `outcome` is `ok` (reason `ok`), `dropped` or `bad`; reasons are `core/outcome.ts`'s lists.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { emptyOutcomeCounts, type OutcomeCounts, outcomeEntries } from './core/outcome.ts';

export const RECORDS_METRIC = 'alt_transformer_records_total';
export const LAG_HITS_METRIC = 'alt_transformer_lag_hits';
export const LAG_SECONDS_METRIC = 'alt_transformer_lag_seconds';

export interface TransformerMetricsOptions {
  /** Where the series go (`alt dev`: the collector's registry, so one `/metrics` has both). */
  registry?: Registry;
  /** The current lag, read at each scrape. */
  lag?(): { hits: number; seconds: number };
}

export function createTransformerMetrics(opts: TransformerMetricsOptions = {}) {
  const registry = opts.registry ?? new Registry();
  const { lag } = opts;
  if (lag) {
    new Gauge({
      name: LAG_HITS_METRIC,
      help: 'hits the collector acknowledged that the transformer has not yet written to the lake',
      registers: [registry],
      collect() {
        this.set(lag().hits);
      },
    });
    new Gauge({
      name: LAG_SECONDS_METRIC,
      help: 'seconds since the oldest untransformed hit was written to the stream (0 when caught up)',
      registers: [registry],
      collect() {
        this.set(lag().seconds);
      },
    });
  }
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
