/**
 * The public edge: an ALB with an HTTPS listener on a TLS 1.3 policy (the ALB default still
 * speaks TLS 1.0), HTTP → HTTPS redirect, a target group health-checked on `/readyz` (which fails
 * while the collector cannot take writes), and a WAF web ACL with a per-IP rate rule and AWS
 * managed rule groups.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface EdgeArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  certificateArn: string;
  sslPolicy: string;
  wafRateLimitPer5Min: number;
  /**
   * CloudFront forwards `/v1/*`: the connecting IP is then an edge server, so the rate rule keys on
   * the first X-Forwarded-For address instead (which a client can forge: the collector's own
   * per-IP limit, with the right proxy hop count, remains the precise one).
   */
  behindCdn: boolean;
  collectorPort: number;
}

/** ALB idle timeout; the collector's keep-alive timeout must stay above it (DESIGN §12). */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;

export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
];

export class Edge extends pulumi.ComponentResource {
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly httpsListener: aws.lb.Listener;
  readonly httpListener: aws.lb.Listener;
  readonly webAcl: aws.wafv2.WebAcl;
  readonly webAclAssociation: aws.wafv2.WebAclAssociation;
  readonly dnsName: pulumi.Output<string>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:edge:Edge', name, {}, opts);
    const parent = { parent: this };
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        vpcId: args.vpcId,
        description: 'Public HTTPS (and HTTP for the redirect) to the ALT ALB',
        ingress: [
          {
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            cidrBlocks: ['0.0.0.0/0'],
            ipv6CidrBlocks: ['::/0'],
          },
          { protocol: 'tcp', fromPort: 80, toPort: 80, cidrBlocks: ['0.0.0.0/0'], ipv6CidrBlocks: ['::/0'] },
        ],
        egress: [
          {
            protocol: 'tcp',
            fromPort: args.collectorPort,
            toPort: args.collectorPort,
            cidrBlocks: ['0.0.0.0/0'],
          },
        ],
      },
      parent,
    );
    this.loadBalancer = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: 'application',
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [this.securityGroup.id],
        idleTimeout: ALB_IDLE_TIMEOUT_SECONDS,
        enableHttp2: true,
        dropInvalidHeaderFields: true,
      },
      parent,
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-collector`,
      {
        vpcId: args.vpcId,
        port: args.collectorPort,
        protocol: 'HTTP',
        targetType: 'instance',
        // Short drain: a request takes milliseconds; SIGTERM handling flushes what is buffered.
        deregistrationDelay: 30,
        healthCheck: {
          path: '/readyz',
          matcher: '200',
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
      },
      parent,
    );
    this.httpsListener = new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: args.sslPolicy,
        certificateArn: args.certificateArn,
        defaultActions: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
      },
      parent,
    );
    this.httpListener = new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: 'HTTP',
        defaultActions: [
          { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
        ],
      },
      parent,
    );
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    this.webAcl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        scope: 'REGIONAL',
        defaultAction: { allow: {} },
        visibilityConfig: visibility(`${name}-waf`),
        rules: [
          {
            name: 'rate-per-ip',
            priority: 0,
            action: { block: {} },
            statement: {
              rateBasedStatement: args.behindCdn
                ? {
                    limit: args.wafRateLimitPer5Min,
                    aggregateKeyType: 'FORWARDED_IP',
                    forwardedIpConfig: { headerName: 'X-Forwarded-For', fallbackBehavior: 'MATCH' },
                  }
                : { limit: args.wafRateLimitPer5Min, aggregateKeyType: 'IP' },
            },
            visibilityConfig: visibility('rate-per-ip'),
          },
          ...MANAGED_RULE_GROUPS.map((group, i) => ({
            name: group,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: {
              managedRuleGroupStatement: {
                vendorName: 'AWS',
                name: group,
                // `/v1/batch` bodies legitimately exceed the common rule set's 8 KB body limit.
                ruleActionOverrides:
                  group === 'AWSManagedRulesCommonRuleSet'
                    ? [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }]
                    : undefined,
              },
            },
            visibilityConfig: visibility(group),
          })),
        ],
      },
      parent,
    );
    this.webAclAssociation = new aws.wafv2.WebAclAssociation(
      `${name}-waf`,
      { resourceArn: this.loadBalancer.arn, webAclArn: this.webAcl.arn },
      parent,
    );
    this.dnsName = this.loadBalancer.dnsName;
    this.registerOutputs({ dnsName: this.dnsName, targetGroupArn: this.targetGroup.arn });
  }
}
