/**
 * The stack's metric alarms as a table (what each watches, when it fires, what to do): the
 * Monitoring component creates one CloudWatch alarm per row, and docs/operations.md has a runbook
 * entry under each id (a test checks both).
 */
import type * as pulumi from '@pulumi/pulumi';
import { COLLECTOR_METRICS } from '../../collector/metric-names.ts';
import { COLLECTOR_METRICS_NAMESPACE } from './collector.ts';
import type { MonitoringArgs } from './monitoring.ts';

export type Dims = Record<string, pulumi.Input<string>>;
export interface AlarmSpec {
  id: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Dims;
  statistic?: string;
  extendedStatistic?: string;
  threshold: number;
  comparison?: string;
  periodSeconds?: number;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
}

/** One row per alarm, with its dimensions taken from the stack's resources. */
export function alarmSpecs(args: MonitoringArgs): AlarmSpec[] {
  const alb = { LoadBalancer: args.albArnSuffix };
  const tg = { LoadBalancer: args.albArnSuffix, TargetGroup: args.targetGroupArnSuffix };
  const fn = { FunctionName: args.transformerFunctionName };
  return [
    {
      id: 'kinesis-iterator-age',
      description:
        'Transformer is falling behind the stream (records older than 10 min). See operations.md#kinesis-iterator-age.',
      namespace: 'AWS/Kinesis',
      metricName: 'GetRecords.IteratorAgeMilliseconds',
      dimensions: { StreamName: args.streamName },
      statistic: 'Maximum',
      threshold: 600_000,
      evaluationPeriods: 3,
    },
    {
      id: 'kinesis-write-throttles',
      description:
        'PutRecords is throttled; the collector spools to disk. See operations.md#kinesis-write-throttles.',
      namespace: 'AWS/Kinesis',
      metricName: 'WriteProvisionedThroughputExceeded',
      dimensions: { StreamName: args.streamName },
      statistic: 'Sum',
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      id: 'alb-5xx',
      description: 'The ALB itself answers 5xx (no healthy target, timeouts). See operations.md#alb-5xx.',
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_ELB_5XX_Count',
      dimensions: alb,
      statistic: 'Sum',
      threshold: 10,
    },
    {
      id: 'collector-5xx',
      description:
        'The collector answers 5xx (503 = overloaded or sink down). See operations.md#collector-5xx.',
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensions: tg,
      statistic: 'Sum',
      threshold: 10,
    },
    {
      id: 'collector-latency-p99',
      description: 'Collector p99 latency above 50 ms. See operations.md#collector-latency-p99.',
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: tg,
      extendedStatistic: 'p99',
      threshold: 0.05,
      evaluationPeriods: 3,
    },
    {
      id: 'unhealthy-hosts',
      description: 'A collector fails /readyz (sink down or spool full). See operations.md#unhealthy-hosts.',
      namespace: 'AWS/ApplicationELB',
      metricName: 'UnHealthyHostCount',
      dimensions: tg,
      statistic: 'Maximum',
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      id: 'spool-depth',
      description:
        'Collectors are spooling to disk instead of Kinesis (> 64 MiB). See operations.md#spool-depth.',
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.spoolBytes,
      dimensions: { AutoScalingGroupName: args.collectorGroupName },
      statistic: 'Maximum',
      threshold: 64 * 1024 ** 2,
      evaluationPeriods: 3,
    },
    {
      id: 'dlq-depth',
      description: 'Failed transformer batches are waiting in the DLQ. See operations.md#dlq-depth.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: args.dlqName },
      statistic: 'Maximum',
      threshold: 0,
    },
    {
      id: 'transformer-errors',
      description: 'Transformer invocations fail. See operations.md#transformer-errors.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: fn,
      statistic: 'Sum',
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      id: 'transformer-throttles',
      description:
        'Transformer invocations are throttled (account concurrency). See operations.md#transformer-throttles.',
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: fn,
      statistic: 'Sum',
      threshold: 0,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      id: 'compaction-errors',
      description:
        'A scheduled compaction run failed; hours stay uncompacted until one succeeds. See operations.md#compaction-errors.',
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: args.compactFunctionName },
      statistic: 'Sum',
      threshold: 0,
      // Runs are 15 minutes apart: two failed runs in a row, not one blip.
      periodSeconds: 900,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    },
    {
      id: 'aurora-capacity',
      description: 'Aurora runs above 90 % of its max ACUs. See operations.md#aurora-capacity.',
      namespace: 'AWS/RDS',
      metricName: 'ACUUtilization',
      dimensions: { DBClusterIdentifier: args.auroraClusterId },
      statistic: 'Average',
      threshold: 90,
      evaluationPeriods: 3,
    },
  ];
}
