/**
 * The public edge: an ALB with an HTTPS listener on a TLS 1.3 policy (the ALB default still
 * speaks TLS 1.0), HTTP → HTTPS redirect, a target group health-checked on `/readyz` (which fails
 * while the collector cannot take writes), listener rules that forward only the collector's public
 * routes (everything else, `/metrics` among it, gets a fixed 404 from the ALB), and a WAF web ACL
 * with a per-IP rate rule, AWS managed rule groups and per-route query-size bounds (`waf`).
 *
 * Behind CloudFront (`behindCdn`) the ALB takes HTTPS only from CloudFront's origin-facing
 * addresses (and, when `originVerifySecret` is set, only requests carrying the header CloudFront
 * adds), and the web ACL sits on the distribution instead, where the source address is the viewer's.
 */

import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ALB_IDLE_TIMEOUT_SECONDS } from '../../lib/cost/presets.ts';
import { collectorHealthCheck } from './collector-health-check.ts';
import { webAclRules } from './waf-rules.ts';

export { MANAGED_RULE_GROUPS } from './waf-rules.ts';

export interface EdgeArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  certificateArn: pulumi.Input<string>;
  sslPolicy: string;
  wafRateLimitPer5Min: number;
  /**
   * A web ACL on the ingest path. Off, the collector's own per-address and per-app rate limits are
   * the only limits (they meet DESIGN's rate-limiting requirement; WAF adds managed rule groups).
   */
  waf: boolean;
  /**
   * CloudFront forwards `/v1/*` to this ALB: only CloudFront may connect, and the web ACL goes on
   * the distribution (the ALB would see edge servers, and a client-written X-Forwarded-For).
   */
  behindCdn: boolean;
  /** Value of `ORIGIN_VERIFY_HEADER` CloudFront adds; the listener forwards nothing without it. */
  originVerifySecret?: pulumi.Input<string>;
  collectorPort: number;
  /** The collectors' private port: the target group's health check asks `/readyz` there. */
  privatePort: number;
}

/** ALB idle timeout; the collector's keep-alive timeout must stay above it (DESIGN §12). */
export { ALB_IDLE_TIMEOUT_SECONDS };

/**
 * The collector routes the internet may reach, as ALB path patterns (case-sensitive, `*` wildcard).
 * `/healthz`, `/readyz` and `/metrics` are not among them: the ALB's health check goes straight
 * to the target's private port, not through the listener's rules, and metrics are scraped on the
 * host. (The collector does not serve them on the traffic port either: defence in depth.)
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
 */
export const ALB_PUBLIC_PATHS = ['/v1/hits', '/v1/batch', '/v1/p.gif', '/b.js', '/b.*.js'];

/** Header CloudFront adds to every request to the ALB origin when a secret is configured. */
export const ORIGIN_VERIFY_HEADER = 'X-Alt-Origin-Verify';

/**
 * CloudFront's origin-facing addresses as an AWS-managed prefix list. It weighs 55 rules against
 * the security group's quota of 60 inbound rules, so this group holds it and one more rule at most.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/LocationsOfEdgeServers.html
 * https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html
 */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';

/**
 * A rule takes at most 5 condition values (each path pattern and header value is one).
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 */
const CONDITION_VALUES_PER_RULE = 5;

const fixedResponse = (
  statusCode: number,
  error: string,
  message: string,
): aws.types.input.lb.ListenerRuleAction => ({
  type: 'fixed-response',
  fixedResponse: {
    statusCode: String(statusCode),
    contentType: 'application/json',
    // The collector's own error shape (collector/errors.ts `errorBody`), so clients parse one format.
    messageBody: JSON.stringify({ error, message, details: [] }),
  },
});

export class Edge extends pulumi.ComponentResource {
  readonly kind = 'alb';
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly httpsListener: aws.lb.Listener;
  readonly httpListener: aws.lb.Listener;
  readonly listenerRules: aws.lb.ListenerRule[];
  /** us-east-1, where a CloudFront-scoped web ACL must live (only when `behindCdn`). */
  readonly cloudfrontRegion?: aws.Provider;
  readonly webAcl?: aws.wafv2.WebAcl;
  /** Only for the regional ACL; a CloudFront ACL is attached by the distribution's `webAclId`. */
  readonly webAclAssociation?: aws.wafv2.WebAclAssociation;
  readonly dnsName: pulumi.Output<string>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:edge:Edge', name, {}, opts);
    const parent = { parent: this };
    const world = { cidrBlocks: ['0.0.0.0/0'], ipv6CidrBlocks: ['::/0'] };
    // CloudFront talks to this origin over HTTPS only (beacon-cdn.ts: originProtocolPolicy https-only).
    const ingress = args.behindCdn
      ? [
          {
            protocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            prefixListIds: [
              aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST }, parent).id,
            ],
          },
        ]
      : [
          { protocol: 'tcp', fromPort: 443, toPort: 443, ...world },
          { protocol: 'tcp', fromPort: 80, toPort: 80, ...world },
        ];
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      {
        vpcId: args.vpcId,
        description: args.behindCdn
          ? 'HTTPS from CloudFront origin-facing servers to the ALT ALB'
          : 'Public HTTPS (and HTTP for the redirect) to the ALT ALB',
        ingress,
        // The ALB must reach the targets on the traffic port and the health-check port.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html
        egress: [args.collectorPort, args.privatePort].map((port) => ({
          protocol: 'tcp',
          fromPort: port,
          toPort: port,
          cidrBlocks: ['0.0.0.0/0'],
        })),
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
        // Append the connecting address to X-Forwarded-For (the default, stated because the
        // collector's trustProxyHops counts on it).
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/x-forwarded-headers.html
        xffHeaderProcessingMode: 'append',
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
        healthCheck: collectorHealthCheck(args.privatePort),
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
        // Only the rules below forward; anything else (/metrics, /readyz, probes) ends here.
        defaultActions: [fixedResponse(404, 'not_found', 'no such route')],
      },
      parent,
    );
    const verify = args.originVerifySecret
      ? [
          {
            httpHeader: {
              httpHeaderName: ORIGIN_VERIFY_HEADER,
              values: [pulumi.secret(args.originVerifySecret)],
            },
          },
        ]
      : [];
    const perRule = CONDITION_VALUES_PER_RULE - verify.length;
    const pathGroups: string[][] = [];
    for (let i = 0; i < ALB_PUBLIC_PATHS.length; i += perRule)
      pathGroups.push(ALB_PUBLIC_PATHS.slice(i, i + perRule));
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
    const rule = (
      id: string,
      priority: number,
      paths: string[],
      conditions: aws.types.input.lb.ListenerRuleCondition[],
      action: aws.types.input.lb.ListenerRuleAction,
    ) =>
      new aws.lb.ListenerRule(
        `${name}-${id}`,
        {
          listenerArn: this.httpsListener.arn,
          priority,
          conditions: [{ pathPattern: { values: paths } }, ...conditions],
          actions: [action],
        },
        parent,
      );
    this.listenerRules = pathGroups.map((paths, i) =>
      rule(`public-${i}`, 10 + i, paths, verify, { type: 'forward', targetGroupArn: this.targetGroup.arn }),
    );
    if (verify.length > 0) {
      // A public path without CloudFront's header came around the CDN: refused, not forwarded.
      this.listenerRules.push(
        ...pathGroups.map((paths, i) =>
          rule(`bypass-${i}`, 100 + i, paths, [], fixedResponse(403, 'forbidden', 'use the CDN hostname')),
        ),
      );
    }
    // Behind the CDN the security group keeps port 80 closed; the redirect serves a stack without one.
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
    if (args.waf) {
      const onCdn = args.behindCdn;
      // A CloudFront web ACL must be created in us-east-1.
      // https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html
      if (onCdn)
        this.cloudfrontRegion = new aws.Provider(
          `${name}-us-east-1`,
          { region: 'us-east-1', defaultTags: aws.config.defaultTags },
          parent,
        );
      this.webAcl = new aws.wafv2.WebAcl(
        `${name}-waf`,
        {
          scope: onCdn ? 'CLOUDFRONT' : 'REGIONAL',
          defaultAction: { allow: {} },
          visibilityConfig: {
            cloudwatchMetricsEnabled: true,
            sampledRequestsEnabled: true,
            metricName: `${name}-waf`,
          },
          rules: webAclRules(args.wafRateLimitPer5Min),
        },
        onCdn ? { parent: this, provider: this.cloudfrontRegion } : parent,
      );
      if (!onCdn)
        this.webAclAssociation = new aws.wafv2.WebAclAssociation(
          `${name}-waf`,
          { resourceArn: this.loadBalancer.arn, webAclArn: this.webAcl.arn },
          parent,
        );
    }
    this.dnsName = this.loadBalancer.dnsName;
    this.registerOutputs({ dnsName: this.dnsName, targetGroupArn: this.targetGroup.arn });
  }
}
