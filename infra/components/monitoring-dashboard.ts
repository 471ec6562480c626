/**
 * The pipeline dashboard's body (CloudWatch dashboard JSON), from the resolved names of the
 * resources it shows: requests and errors, collector latency (the ALB's, or behind an NLB the
 * collector's own), Kinesis, spool and hosts, transformer, Aurora.
 */
import { COLLECTOR_METRICS } from '../../collector/metric-names.ts';
import { COLLECTOR_METRICS_NAMESPACE } from './collector.ts';

export interface DashboardNames {
  stream: string;
  lb: string;
  tgs: string;
  asg: string;
  fnName: string;
  dlq: string;
  cluster: string;
}

export function dashboardBody(
  region: string,
  kind: 'alb' | 'nlb',
  { stream, lb, tgs, asg, fnName, dlq, cluster }: DashboardNames,
): string {
  const widget = (title: string, metrics: unknown[][], stat = 'Sum') => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: { title, region, stat, period: 60, metrics },
  });
  const lbNamespace = kind === 'alb' ? 'AWS/ApplicationELB' : 'AWS/NetworkELB';
  const collector = (name: string, stat?: string) => [
    COLLECTOR_METRICS_NAMESPACE,
    name,
    'AutoScalingGroupName',
    asg,
    ...(stat ? [{ stat }] : []),
  ];
  // Behind an NLB the request metrics are the collector's own (monitoring-alarms.ts).
  const requests =
    kind === 'alb'
      ? [
          widget('Requests and errors', [
            ['AWS/ApplicationELB', 'RequestCount', 'LoadBalancer', lb],
            ['AWS/ApplicationELB', 'HTTPCode_Target_4XX_Count', 'LoadBalancer', lb, 'TargetGroup', tgs],
            ['AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'LoadBalancer', lb, 'TargetGroup', tgs],
            ['AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', 'LoadBalancer', lb],
          ]),
          widget(
            'Collector latency p99 (s)',
            [['AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer', lb, 'TargetGroup', tgs]],
            'p99',
          ),
        ]
      : [
          widget('Requests and errors', [
            collector(COLLECTOR_METRICS.requests),
            collector(COLLECTOR_METRICS.responses4xx),
            collector(COLLECTOR_METRICS.responses5xx),
            ['AWS/NetworkELB', 'NewFlowCount_TLS', 'LoadBalancer', lb],
            ['AWS/NetworkELB', 'ClientTLSNegotiationErrorCount', 'LoadBalancer', lb],
          ]),
          widget(
            'Collector latency p99 (s), the slowest collector',
            [collector(COLLECTOR_METRICS.requestLatencyP99)],
            'Maximum',
          ),
        ];
  return JSON.stringify({
    widgets: [
      ...requests,
      widget('Kinesis', [
        ['AWS/Kinesis', 'IncomingRecords', 'StreamName', stream],
        ['AWS/Kinesis', 'WriteProvisionedThroughputExceeded', 'StreamName', stream],
        ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', 'StreamName', stream, { stat: 'Maximum' }],
      ]),
      widget('Spool and hosts', [
        [
          COLLECTOR_METRICS_NAMESPACE,
          COLLECTOR_METRICS.spoolBytes,
          'AutoScalingGroupName',
          asg,
          { stat: 'Maximum' },
        ],
        [lbNamespace, 'UnHealthyHostCount', 'LoadBalancer', lb, 'TargetGroup', tgs, { stat: 'Maximum' }],
        ['AWS/AutoScaling', 'GroupInServiceInstances', 'AutoScalingGroupName', asg, { stat: 'Maximum' }],
      ]),
      widget('Transformer', [
        ['AWS/Lambda', 'Invocations', 'FunctionName', fnName],
        ['AWS/Lambda', 'Errors', 'FunctionName', fnName],
        ['AWS/Lambda', 'Throttles', 'FunctionName', fnName],
        ['AWS/Lambda', 'Duration', 'FunctionName', fnName, { stat: 'p99' }],
        ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dlq, { stat: 'Maximum' }],
      ]),
      widget('Aurora', [
        ['AWS/RDS', 'ServerlessDatabaseCapacity', 'DBClusterIdentifier', cluster, { stat: 'Average' }],
        ['AWS/RDS', 'ACUUtilization', 'DBClusterIdentifier', cluster, { stat: 'Average' }],
      ]),
    ],
  });
}
