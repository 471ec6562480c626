/**
 * The name of every metric the collector emits, and the one list the rest of the repository reads
 * them from: `metrics.ts` registers them with prom-client, the CloudWatch agent's config ships some
 * of them (`infra/components/collector-user-data.ts`) and the alarms and dashboard watch those
 * (`infra/components/monitoring.ts`). Plain strings, no prom-client: infra imports this module.
 */

/** The CloudWatch namespace the agent ships them to (infra) and `alt console --stack` reads. */
export const COLLECTOR_METRICS_NAMESPACE = 'ALT/Collector';

/** Prefix of every collector metric, the process and Node.js defaults included. */
export const COLLECTOR_METRIC_PREFIX = 'alt_collector_';

export const COLLECTOR_METRICS = {
  requests: 'alt_collector_requests_total',
  responses4xx: 'alt_collector_responses_4xx_total',
  responses5xx: 'alt_collector_responses_5xx_total',
  requestLatencyP99: 'alt_collector_request_latency_p99_seconds',
  hitsAccepted: 'alt_collector_hits_accepted_total',
  hitsRejected: 'alt_collector_hits_rejected_total',
  botHits: 'alt_collector_bot_hits_total',
  requestHits: 'alt_collector_request_hits',
  flushHits: 'alt_collector_flush_hits',
  flushBytes: 'alt_collector_flush_bytes_total',
  flushLatency: 'alt_collector_flush_latency_seconds',
  spooledRecords: 'alt_collector_spooled_records_total',
  spoolBytes: 'alt_collector_spool_bytes',
  inflightBytes: 'alt_collector_inflight_bytes',
  sinkErrors: 'alt_collector_sink_errors_total',
} as const;

export type CollectorMetricName = (typeof COLLECTOR_METRICS)[keyof typeof COLLECTOR_METRICS];

/**
 * The collector metrics the CloudWatch agent ships (EMF) whatever the load balancer: the only ones
 * alarms, the dashboard and `alt console --stack` (its hour of accepted/refused/bot hits) can read.
 * Counters arrive as the delta since the previous scrape, summed over their labels per group
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContainerInsights-Prometheus-metrics-conversion.html);
 * gauges as their value, one datapoint per instance and scrape.
 */
export const CLOUDWATCH_COLLECTOR_METRICS = [
  COLLECTOR_METRICS.spoolBytes,
  COLLECTOR_METRICS.inflightBytes,
  COLLECTOR_METRICS.spooledRecords,
  COLLECTOR_METRICS.hitsAccepted,
  COLLECTOR_METRICS.hitsRejected,
  COLLECTOR_METRICS.botHits,
] as const;

/**
 * Shipped too behind an NLB, which measures no HTTP: the request count (the scaling policy's
 * metric), the 4xx and 5xx counts and the p99 stand in for the ALB's request metrics in the alarms.
 * Behind the ALB they would duplicate what the ALB reports, at $0.30 a metric a month.
 */
export const NLB_COLLECTOR_METRICS = [
  COLLECTOR_METRICS.requests,
  COLLECTOR_METRICS.responses4xx,
  COLLECTOR_METRICS.responses5xx,
  COLLECTOR_METRICS.requestLatencyP99,
] as const;

/** What the agent ships for a stack behind `loadBalancer`. */
export function cloudwatchCollectorMetrics(loadBalancer: 'alb' | 'nlb'): CollectorMetricName[] {
  return [...CLOUDWATCH_COLLECTOR_METRICS, ...(loadBalancer === 'nlb' ? NLB_COLLECTOR_METRICS : [])];
}
