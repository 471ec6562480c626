/**
 * The pipeline dashboard's body (CloudWatch dashboard JSON), from the resolved names of the
 * resources it shows: requests and errors, collector latency, Kinesis, spool and hosts,
 * transformer, Aurora.
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
  { stream, lb, tgs, asg, fnName, dlq, cluster }: DashboardNames,
): string {
  const widget = (title: string, metrics: unknown[][], stat = 'Sum') => ({
    type: 'metric',
    width: 12,
    height: 6,
    properties: { title, region, stat, period: 60, metrics },
  });
  return JSON.stringify({
    widgets: [
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
        [
          'AWS/ApplicationELB',
          'UnHealthyHostCount',
          'LoadBalancer',
          lb,
          'TargetGroup',
          tgs,
          { stat: 'Maximum' },
        ],
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
