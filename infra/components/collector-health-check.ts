/**
 * The load balancers' health check of a collector, ALB or NLB alike: `/readyz` on the collector's
 * private port (it fails while the collector cannot take writes, and is not served on the traffic
 * port). A target group may check another port than the one it forwards to:
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
 */
export function collectorHealthCheck(privatePort: number) {
  return {
    protocol: 'HTTP',
    port: String(privatePort),
    path: '/readyz',
    matcher: '200',
    interval: 10,
    timeout: 5,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  };
}
