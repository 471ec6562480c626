/**
 * Alarms and a dashboard for the whole pipeline, all notifying one SNS topic (encrypted with a key
 * CloudWatch may use: the AWS-managed SNS key does not let CloudWatch publish). Each alarm's
 * description says what to do; docs/operations.md has the longer runbook under the same names.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { COLLECTOR_METRICS } from '../../collector/metric-names.ts';
import { COLLECTOR_METRICS_NAMESPACE } from './collector.ts';

export interface MonitoringArgs {
  region: string;
  accountId: pulumi.Input<string>;
  streamName: pulumi.Input<string>;
  albArnSuffix: pulumi.Input<string>;
  targetGroupArnSuffix: pulumi.Input<string>;
  collectorGroupName: pulumi.Input<string>;
  transformerFunctionName: pulumi.Input<string>;
  compactFunctionName: pulumi.Input<string>;
  dlqName: pulumi.Input<string>;
  auroraClusterId: pulumi.Input<string>;
  alarmEmail?: string;
}

type Dims = Record<string, pulumi.Input<string>>;
interface AlarmSpec {
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

export class Monitoring extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly topic: aws.sns.Topic;
  readonly subscription?: aws.sns.TopicSubscription;
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:monitoring:Monitoring', name, {}, opts);
    const parent = { parent: this };
    // A key policy's Resource "*" means "this key"; the root statement delegates to IAM.
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: 'ALT alarm topic encryption',
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountAdmin',
              Effect: 'Allow',
              Principal: { AWS: pulumi.interpolate`arn:aws:iam::${args.accountId}:root` },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'CloudWatchPublishes',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': args.accountId } },
            },
          ],
        }),
      },
      parent,
    );
    this.topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: this.key.id }, parent);
    if (args.alarmEmail) {
      this.subscription = new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: this.topic.arn, protocol: 'email', endpoint: args.alarmEmail },
        parent,
      );
    }
    const alb = { LoadBalancer: args.albArnSuffix };
    const tg = { LoadBalancer: args.albArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const fn = { FunctionName: args.transformerFunctionName };
    const specs: AlarmSpec[] = [
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
        description:
          'A collector fails /readyz (sink down or spool full). See operations.md#unhealthy-hosts.',
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
    const actions = [this.topic.arn];
    this.alarms = specs.map(
      (s) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-${s.id}`,
          {
            alarmDescription: s.description,
            namespace: s.namespace,
            metricName: s.metricName,
            dimensions: s.dimensions,
            statistic: s.statistic,
            extendedStatistic: s.extendedStatistic,
            period: s.periodSeconds ?? 60,
            evaluationPeriods: s.evaluationPeriods ?? 1,
            datapointsToAlarm: s.datapointsToAlarm,
            threshold: s.threshold,
            comparisonOperator: s.comparison ?? 'GreaterThanThreshold',
            treatMissingData: 'notBreaching',
            alarmActions: actions,
            okActions: actions,
          },
          parent,
        ),
    );
    // 404s arrive in waves (scanners, a bad deploy of a site's snippet): a band, not a fixed number.
    this.alarms.push(
      new aws.cloudwatch.MetricAlarm(
        `${name}-404-spike`,
        {
          alarmDescription:
            'Collector 4xx (mostly 404) far above its usual band. See operations.md#404-spike.',
          comparisonOperator: 'GreaterThanUpperThreshold',
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          thresholdMetricId: 'band',
          treatMissingData: 'notBreaching',
          alarmActions: actions,
          okActions: actions,
          metricQueries: [
            {
              id: 'm1',
              returnData: true,
              metric: {
                namespace: 'AWS/ApplicationELB',
                metricName: 'HTTPCode_Target_4XX_Count',
                dimensions: tg,
                period: 300,
                stat: 'Sum',
              },
            },
            {
              id: 'band',
              expression: 'ANOMALY_DETECTION_BAND(m1, 3)',
              label: '4xx expected band',
              returnData: true,
            },
          ],
        },
        parent,
      ),
    );
    const widget = (title: string, metrics: unknown[][], stat = 'Sum') => ({
      type: 'metric',
      width: 12,
      height: 6,
      properties: { title, region: args.region, stat, period: 60, metrics },
    });
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `${name}-pipeline`,
        dashboardBody: pulumi
          .all([
            args.streamName,
            args.albArnSuffix,
            args.targetGroupArnSuffix,
            args.collectorGroupName,
            args.transformerFunctionName,
            args.dlqName,
            args.auroraClusterId,
          ])
          .apply(([stream, lb, tgs, asg, fnName, dlq, cluster]) =>
            JSON.stringify({
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
                  [
                    'AWS/Kinesis',
                    'GetRecords.IteratorAgeMilliseconds',
                    'StreamName',
                    stream,
                    { stat: 'Maximum' },
                  ],
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
                  [
                    'AWS/AutoScaling',
                    'GroupInServiceInstances',
                    'AutoScalingGroupName',
                    asg,
                    { stat: 'Maximum' },
                  ],
                ]),
                widget('Transformer', [
                  ['AWS/Lambda', 'Invocations', 'FunctionName', fnName],
                  ['AWS/Lambda', 'Errors', 'FunctionName', fnName],
                  ['AWS/Lambda', 'Throttles', 'FunctionName', fnName],
                  ['AWS/Lambda', 'Duration', 'FunctionName', fnName, { stat: 'p99' }],
                  ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', dlq, { stat: 'Maximum' }],
                ]),
                widget('Aurora', [
                  [
                    'AWS/RDS',
                    'ServerlessDatabaseCapacity',
                    'DBClusterIdentifier',
                    cluster,
                    { stat: 'Average' },
                  ],
                  ['AWS/RDS', 'ACUUtilization', 'DBClusterIdentifier', cluster, { stat: 'Average' }],
                ]),
              ],
            }),
          ),
      },
      parent,
    );
    this.registerOutputs({ topicArn: this.topic.arn, dashboardName: this.dashboard.dashboardName });
  }
}
