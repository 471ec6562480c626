/**
 * Alarms and a dashboard for the whole pipeline, all notifying one SNS topic (encrypted with a key
 * CloudWatch may use: the AWS-managed SNS key does not let CloudWatch publish). Each alarm's
 * description says what to do; docs/operations.md has the longer runbook under the same names.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { alarmSpecs, clientErrorMetric } from './monitoring-alarms.ts';
import { dashboardBody } from './monitoring-dashboard.ts';

export interface MonitoringArgs {
  region: string;
  accountId: pulumi.Input<string>;
  streamName: pulumi.Input<string>;
  /** The public load balancer and its target group: their metrics' `LoadBalancer` and `TargetGroup` values. */
  loadBalancer: {
    kind: 'alb' | 'nlb';
    arnSuffix: pulumi.Input<string>;
    targetGroupArnSuffix: pulumi.Input<string>;
  };
  collectorGroupName: pulumi.Input<string>;
  transformerFunctionName: pulumi.Input<string>;
  compactFunctionName: pulumi.Input<string>;
  dlqName: pulumi.Input<string>;
  auroraClusterId: pulumi.Input<string>;
  /** With `managedCertificate`: the renewer Lambda, whose failures get an alarm. */
  certificateRenewerFunctionName?: pulumi.Input<string>;
  alarmEmail?: string;
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
    const specs = alarmSpecs(args);
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
    const fourXx = clientErrorMetric(args);
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
              metric: { ...fourXx, period: 300, stat: 'Sum' },
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
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `${name}-pipeline`,
        dashboardBody: pulumi
          .all([
            args.streamName,
            args.loadBalancer.arnSuffix,
            args.loadBalancer.targetGroupArnSuffix,
            args.collectorGroupName,
            args.transformerFunctionName,
            args.dlqName,
            args.auroraClusterId,
          ])
          .apply(([stream, lb, tgs, asg, fnName, dlq, cluster]) =>
            dashboardBody(args.region, args.loadBalancer.kind, {
              stream,
              lb,
              tgs,
              asg,
              fnName,
              dlq,
              cluster,
            }),
          ),
      },
      parent,
    );
    this.registerOutputs({ topicArn: this.topic.arn, dashboardName: this.dashboard.dashboardName });
  }
}
