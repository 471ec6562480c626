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

/** The namespace of the load balancer's metrics. */
const LB_NAMESPACE = { alb: 'AWS/ApplicationELB', nlb: 'AWS/NetworkELB' } as const;

/**
 * The 4xx count the 404-spike band watches: the ALB's count of the collector's 4xx answers, or
 * behind an NLB (which sees no HTTP) the collector's own count, shipped by its CloudWatch agent.
 * Behind the ALB, paths outside its listener rules get the ALB's own 404 and are not in this
 * count; behind an NLB every path reaches the collector, so scanners' probes are.
 */
export function clientErrorMetric(args: Pick<MonitoringArgs, 'loadBalancer' | 'collectorGroupName'>): {
  namespace: string;
  metricName: string;
  dimensions: Dims;
} {
  const lb = args.loadBalancer;
  return lb.kind === 'alb'
    ? {
        namespace: LB_NAMESPACE.alb,
        metricName: 'HTTPCode_Target_4XX_Count',
        dimensions: { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffix },
      }
    : {
        namespace: COLLECTOR_METRICS_NAMESPACE,
        metricName: COLLECTOR_METRICS.responses4xx,
        dimensions: { AutoScalingGroupName: args.collectorGroupName },
      };
}

/**
 * The rows that watch the load balancer and the collector's HTTP answers. Behind the ALB they read
 * its metrics (ApplicationELB, per target group). Behind an NLB, which measures TCP flows and no
 * HTTP, the collector's own request metrics stand in (collector/metric-names.ts
 * `NLB_COLLECTOR_METRICS`, shipped per Auto Scaling group by its agent), and the NLB's
 * HealthyHostCount takes the place of the ALB's own 5xx: an NLB with no healthy target sends to all
 * of them (fail open), so what it signals is every collector failing `/readyz`.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-cloudwatch-metrics.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
 */
function edgeSpecs(args: MonitoringArgs): AlarmSpec[] {
  const lb = args.loadBalancer;
  const tg = { LoadBalancer: lb.arnSuffix, TargetGroup: lb.targetGroupArnSuffix };
  const unhealthy: AlarmSpec = {
    id: 'unhealthy-hosts',
    description: 'A collector fails /readyz (sink down or spool full). See operations.md#unhealthy-hosts.',
    namespace: LB_NAMESPACE[lb.kind],
    metricName: 'UnHealthyHostCount',
    dimensions: tg,
    statistic: 'Maximum',
    threshold: 0,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  };
  if (lb.kind === 'alb')
    return [
      {
        id: 'alb-5xx',
        description: 'The ALB itself answers 5xx (no healthy target, timeouts). See operations.md#alb-5xx.',
        namespace: LB_NAMESPACE.alb,
        metricName: 'HTTPCode_ELB_5XX_Count',
        dimensions: { LoadBalancer: lb.arnSuffix },
        statistic: 'Sum',
        threshold: 10,
      },
      {
        id: 'collector-5xx',
        description:
          'The collector answers 5xx (503 = overloaded or sink down). See operations.md#collector-5xx.',
        namespace: LB_NAMESPACE.alb,
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensions: tg,
        statistic: 'Sum',
        threshold: 10,
      },
      {
        id: 'collector-latency-p99',
        description: 'Collector p99 latency above 50 ms. See operations.md#collector-latency-p99.',
        namespace: LB_NAMESPACE.alb,
        metricName: 'TargetResponseTime',
        dimensions: tg,
        extendedStatistic: 'p99',
        threshold: 0.05,
        evaluationPeriods: 3,
      },
      unhealthy,
    ];
  const group = { AutoScalingGroupName: args.collectorGroupName };
  return [
    {
      id: 'nlb-no-healthy-hosts',
      description:
        'No collector passes /readyz; the NLB sends to all of them anyway. See operations.md#nlb-no-healthy-hosts.',
      namespace: LB_NAMESPACE.nlb,
      metricName: 'HealthyHostCount',
      dimensions: tg,
      statistic: 'Minimum',
      threshold: 1,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    },
    {
      id: 'collector-5xx',
      description:
        'The collector answers 5xx (503 = overloaded or sink down). See operations.md#collector-5xx.',
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.responses5xx,
      dimensions: group,
      statistic: 'Sum',
      threshold: 10,
    },
    {
      // Each collector reports its own p99 over the last minute; the worst one is compared. The
      // fleet's p99 is never above the worst collector's, so this fires at least when it would.
      id: 'collector-latency-p99',
      description:
        'The slowest collector’s p99 latency above 50 ms. See operations.md#collector-latency-p99.',
      namespace: COLLECTOR_METRICS_NAMESPACE,
      metricName: COLLECTOR_METRICS.requestLatencyP99,
      dimensions: group,
      statistic: 'Maximum',
      threshold: 0.05,
      evaluationPeriods: 3,
    },
    unhealthy,
  ];
}

/** One row per alarm, with its dimensions taken from the stack's resources. */
export function alarmSpecs(args: MonitoringArgs): AlarmSpec[] {
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
    ...edgeSpecs(args),
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
    ...(args.certificateRenewerFunctionName === undefined
      ? []
      : [
          {
            id: 'certificate-renewal-errors',
            description:
              'The certificate renewer failed: the listener keeps its certificate until it expires. See operations.md#certificate-renewal-errors.',
            namespace: 'AWS/Lambda',
            metricName: 'Errors',
            dimensions: { FunctionName: args.certificateRenewerFunctionName },
            statistic: 'Sum',
            threshold: 0,
            // It runs once a day: any failed run in the day, kept in alarm until a day without one.
            periodSeconds: 86_400,
            evaluationPeriods: 1,
          },
        ]),
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
