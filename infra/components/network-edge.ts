/**
 * The public edge as a Network Load Balancer (`loadBalancer: nlb`, the `scale` preset): a TLS
 * listener on 443 terminating TLS with the ACM certificate and forwarding plain TCP to the
 * collectors' public port, with the client's address preserved on that connection. Cheaper than the
 * ALB from about 1,000 hits/s (lib/cost), at the price of what only the ALB does, each taken over
 * by the collector:
 *
 * - no path rules: every path reaches the collector's public port, so `/healthz`, `/readyz` and
 *   `/metrics` live on its private port, which the target group health-checks and no listener
 *   forwards to (collector/private-server.ts);
 * - no HTTP metrics: the alarms and the scaling policy read the collector's own request count,
 *   4xx, 5xx and p99 (collector/metric-names.ts `NLB_COLLECTOR_METRICS`);
 * - no X-Forwarded-For: the collector takes the client address from the socket (trust 0 hops);
 * - no WAF and no HTTP → HTTPS redirect (port 80 stays closed: the snippet and the beacon use https).
 */

import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { collectorHealthCheck } from './collector-health-check.ts';

export interface NetworkEdgeArgs {
  vpcId: pulumi.Input<string>;
  publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  certificateArn: pulumi.Input<string>;
  sslPolicy: string;
  /** The collectors' public port: the listener forwards to it. */
  collectorPort: number;
  /** The collectors' private port: the health check asks `/readyz` there. */
  privatePort: number;
}

/**
 * HTTP/1.1 only: the listener hands the decrypted bytes to the collector, which speaks HTTP/1.1; a
 * client that negotiated h2 would send frames the collector cannot read.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-listeners.html
 */
export const NLB_ALPN_POLICY = 'HTTP1Only';

export class NetworkEdge extends pulumi.ComponentResource {
  readonly kind = 'nlb';
  readonly securityGroup: aws.ec2.SecurityGroup;
  readonly loadBalancer: aws.lb.LoadBalancer;
  readonly targetGroup: aws.lb.TargetGroup;
  readonly tlsListener: aws.lb.Listener;
  readonly dnsName: pulumi.Output<string>;

  constructor(name: string, args: NetworkEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('alt:edge:NetworkEdge', name, {}, opts);
    const parent = { parent: this };
    // An NLB takes a security group only when it is created with one; the collectors' group then
    // admits this group, which holds even with client IP preservation on.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
    this.securityGroup = new aws.ec2.SecurityGroup(
      `${name}-nlb`,
      {
        vpcId: args.vpcId,
        description: 'Public TLS to the ALT NLB; out to the collectors and their health check',
        ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] }],
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
      `${name}-nlb`,
      {
        loadBalancerType: 'network',
        internal: false,
        subnets: args.publicSubnetIds,
        securityGroups: [this.securityGroup.id],
        // IPv4 only: for an IPv6 client an instance target would see the NLB's address, not the
        // client's, and the collector's per-address limits and country lookup need the client's.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html
        ipAddressType: 'ipv4',
        // Off, the NLB default: each node sends only to collectors in its own AZ (no inter-AZ
        // transfer); the ASG keeps the AZs' instance counts even.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
        enableCrossZoneLoadBalancing: false,
      },
      parent,
    );
    this.targetGroup = new aws.lb.TargetGroup(
      `${name}-collector`,
      {
        vpcId: args.vpcId,
        port: args.collectorPort,
        protocol: 'TCP',
        targetType: 'instance',
        // The collector reads the client's address from the socket (it trusts no X-Forwarded-For
        // behind an NLB). On by default for instance targets; stated because the collector relies on it.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html
        preserveClientIp: 'true',
        proxyProtocolV2: false,
        // Short drain: a request takes milliseconds; SIGTERM handling flushes what is buffered.
        deregistrationDelay: 30,
        healthCheck: collectorHealthCheck(args.privatePort),
      },
      parent,
    );
    // The TLS listener's security policy is set, as the ALB's: created through the API it would be
    // ELBSecurityPolicy-2016-08 (TLS 1.0). The TLS 1.3 policies' TLS 1.2 suites include the
    // ECDHE-ECDSA ones an ECDSA certificate needs.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/network/describe-ssl-policies.html
    this.tlsListener = new aws.lb.Listener(
      `${name}-tls`,
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: 'TLS',
        sslPolicy: args.sslPolicy,
        certificateArn: args.certificateArn,
        alpnPolicy: NLB_ALPN_POLICY,
        defaultActions: [{ type: 'forward', targetGroupArn: this.targetGroup.arn }],
      },
      parent,
    );
    this.dnsName = this.loadBalancer.dnsName;
    this.registerOutputs({ dnsName: this.dnsName, targetGroupArn: this.targetGroup.arn });
  }
}
