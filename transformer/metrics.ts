/**
 * The transformer's metrics: every batch's line outcomes counted by outcome and reason, in the two
 * forms its drivers publish. The local poller (`alt dev`) increments prom-client counters on a
 * registry of their own, to be served beside the collector's; the Lambda writes CloudWatch Embedded
 * Metric Format log lines, which CloudWatch Logs turns into metrics with no API call:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 *   alt_transformer_records_total{outcome, reason}   (prom-client counter)
 *   ALT/Transformer Records [outcome, reason] and [outcome]   (EMF, unit Count)
 *
 * `outcome` is `ok` (reason `ok`), `dropped` or `bad`; reasons are `core/outcome.ts`'s lists.
 */
import { Counter, Registry } from 'prom-client';
import { emptyOutcomeCounts, type OutcomeCounts, outcomeEntries } from './core/outcome.ts';

export const RECORDS_METRIC = 'alt_transformer_records_total';
export const EMF_NAMESPACE = 'ALT/Transformer';
export const EMF_RECORDS_METRIC = 'Records';

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

/**
 * One batch's outcomes as EMF documents, one per (outcome, reason) seen: a document's dimension
 * values are members of its root, so one document holds one value of each. Zero counts are left
 * out (CloudWatch sums what arrives). Each is a whole log event: one JSON object, nothing around it.
 */
export function emfDocuments(outcomes: OutcomeCounts, timestampMs: number): Record<string, unknown>[] {
  return outcomeEntries(outcomes)
    .filter((e) => e.count > 0)
    .map((e) => ({
      _aws: {
        Timestamp: timestampMs,
        CloudWatchMetrics: [
          {
            Namespace: EMF_NAMESPACE,
            Dimensions: [['outcome', 'reason'], ['outcome']],
            Metrics: [{ Name: EMF_RECORDS_METRIC, Unit: 'Count' }],
          },
        ],
      },
      outcome: e.outcome,
      reason: e.reason,
      [EMF_RECORDS_METRIC]: e.count,
    }));
}

const stdoutLine = (line: string) => {
  process.stdout.write(`${line}\n`);
};

/**
 * Writes a batch's EMF documents to stdout, one line each, which Lambda's logging agent sends to
 * CloudWatch Logs as they are. Not `console.log`: under the function's JSON log format
 * (`infra/components/transformer.ts`) it wraps the line in an object of its own (timestamp, level,
 * requestId, message), and in text format prefixes them; an EMF event must be the document alone
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Libraries.html
 * on the JSON log format).
 */
export function writeEmf(
  outcomes: OutcomeCounts,
  timestampMs = Date.now(),
  out: (line: string) => void = stdoutLine,
): void {
  for (const doc of emfDocuments(outcomes, timestampMs)) out(JSON.stringify(doc));
}
