/**
 * The transformer's metrics for the Lambda: every batch's line outcomes counted by outcome and
 * reason, as CloudWatch Embedded Metric Format log lines, which CloudWatch Logs turns into metrics
 * with no API call and no permission beyond writing logs:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 *   namespace ALT/Transformer, metric Records (Count), dimension sets [outcome, reason] and [outcome]
 *
 * The same counts as `metrics.ts`'s prom-client counter for the local stack.
 */
import { type OutcomeCounts, outcomeEntries } from './core/outcome.ts';

export const EMF_NAMESPACE = 'ALT/Transformer';
export const EMF_RECORDS_METRIC = 'Records';

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
