/**
 * The collector instance's boot script (pure: config in, script out, so tests can read it).
 * Installs Node (the project's line, `infra/node-line.ts`) and the CloudWatch agent from the AL2023
 * repositories (S3-backed, reachable over the S3 gateway endpoint), mounts the encrypted spool
 * volume, unpacks the collector bundle from its S3 artifact and runs it under systemd with
 * `Restart=always`. A drain service watches the instance's target lifecycle state and, when the
 * ASG terminates it, stops the collector (SIGTERM flushes the spool to Kinesis) before completing
 * the lifecycle action.
 */
import { CLOUDWATCH_COLLECTOR_METRICS, cloudwatchCollectorMetrics } from '../../collector/metric-names.ts';
import { al2023NodeBinary, al2023NodePackage, NODE_MAJOR } from '../node-line.ts';

export interface UserDataInput {
  region: string;
  artifactBucket: string;
  artifactKey: string;
  streamName: string;
  lakeBucket: string;
  databaseHost: string;
  /** The collector's database role: it logs in with an IAM token from the instance profile. */
  databaseUser: string;
  /** The ASG's fixed name: known at deploy time, so the script carries it (no tag lookups on the host). */
  asgName: string;
  lifecycleHookName: string;
  /** The public port: the only one a load balancer listener forwards to. */
  port: number;
  /**
   * `/healthz`, `/readyz` and `/metrics` (`ALT_PRIVATE_PORT`): the load balancer's health check and
   * the agent's scrape. Never forwarded by a listener, so behind an NLB too they stay private.
   */
  privatePort: number;
  /** Behind an NLB the agent also ships the collector's request metrics (NLB_COLLECTOR_METRICS). */
  loadBalancer: 'alb' | 'nlb';
  metricsNamespace: string;
  logGroupName: string;
  /** Spool cap: 80 % of the volume, so /readyz fails (and the ALB drains the host) before the disk fills. */
  spoolMaxBytes: number;
  /**
   * Proxies in front of the collector that append to X-Forwarded-For: 1 (ALB), 2 when CloudFront
   * forwards `/v1/*` to the ALB, 0 behind an NLB (the socket's peer is the client).
   */
  trustProxyHops: number;
  /** The beacon files' artifact (zip), when the collector serves the beacon (no beacon CDN). */
  beaconKey?: string;
}

/** Where the bundle lives on the host. */
export const COLLECTOR_DIR = '/opt/alt/collector';
/**
 * Where the collector looks for the beacon: collector/main.ts's `BEACON_DIST_DIR` is
 * `../beacon/dist/` from the bundle's main.mjs.
 */
export { CLOUDWATCH_COLLECTOR_METRICS };

export const BEACON_INSTALL_DIR = '/opt/alt/beacon/dist';

/** The collector's data dir (its disk spool lives under it), mounted on the encrypted spool volume. */
export const SPOOL_DIR = '/var/lib/alt';

/** The collector's Node: AL2023's namespaced package for the project's line, run by its versioned binary. */
export const NODE_PACKAGE = al2023NodePackage(NODE_MAJOR);
export const NODE_BINARY = al2023NodeBinary(NODE_MAJOR);

export function collectorUserData(i: UserDataInput): string {
  // The group name is written in, not `${aws:AutoScalingGroupName}`: the agent resolves that one by
  // calling ec2:DescribeTags, which needs the permission and a route to the EC2 API (no NAT or EC2
  // interface endpoint here). Only the top-level append_dimensions are limited to the `${aws:*}`
  // keys; a metric type's own append_dimensions take any key and value
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html).
  // InstanceId stays: the agent reads it from instance metadata.
  const group = { AutoScalingGroupName: i.asgName };
  const agentConfig = JSON.stringify({
    agent: { metrics_collection_interval: 60 },
    metrics: {
      namespace: i.metricsNamespace,
      append_dimensions: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudWatch agent's own placeholder
        InstanceId: '${aws:InstanceId}',
      },
      aggregation_dimensions: [['AutoScalingGroupName']],
      metrics_collected: {
        disk: { resources: [SPOOL_DIR], measurement: ['used_percent'], append_dimensions: group },
        mem: { measurement: ['used_percent'], append_dimensions: group },
      },
    },
    logs: {
      logs_collected: {
        files: {
          collect_list: [{ file_path: '/var/log/alt/collector.log', log_group_name: i.logGroupName }],
        },
      },
      metrics_collected: {
        // The collector's Prometheus metrics (spool depth among them) become CloudWatch metrics via EMF.
        prometheus: {
          prometheus_config_path: '/opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml',
          log_group_name: i.logGroupName,
          emf_processor: {
            metric_namespace: i.metricsNamespace,
            metric_declaration: [
              {
                source_labels: ['job'],
                label_matcher: '^alt-collector$',
                dimensions: [['AutoScalingGroupName']],
                metric_selectors: cloudwatchCollectorMetrics(i.loadBalancer).map((name) => `^${name}$`),
              },
            ],
          },
        },
      },
    },
  });
  return `#!/bin/bash
set -euo pipefail
export AWS_DEFAULT_REGION=${i.region}
dnf install -y ${NODE_PACKAGE} amazon-cloudwatch-agent unzip

# Spool volume: the second EBS device (NVMe name varies), formatted once, mounted for the collector.
ROOT=$(lsblk -no PKNAME "$(findmnt -no SOURCE /)")
DEV=$(lsblk -dpno NAME,TYPE | awk '$2=="disk"{print $1}' | grep -v "/dev/$ROOT" | head -n1)
blkid "$DEV" || mkfs.xfs "$DEV"
mkdir -p ${SPOOL_DIR} && mount "$DEV" ${SPOOL_DIR}
echo "$DEV ${SPOOL_DIR} xfs defaults,nofail 0 2" >> /etc/fstab
useradd --system --home /opt/alt alt || true
chown alt ${SPOOL_DIR}; mkdir -p /var/log/alt && chown alt /var/log/alt

mkdir -p ${COLLECTOR_DIR}
aws s3 cp s3://${i.artifactBucket}/${i.artifactKey} /tmp/collector.zip
unzip -oq /tmp/collector.zip -d ${COLLECTOR_DIR}
${
  i.beaconKey
    ? `mkdir -p ${BEACON_INSTALL_DIR}
aws s3 cp s3://${i.artifactBucket}/${i.beaconKey} /tmp/beacon.zip
unzip -oq /tmp/beacon.zip -d ${BEACON_INSTALL_DIR}
`
    : ''
}

cat > /etc/systemd/system/alt-collector.service <<'UNIT'
[Unit]
Description=ALT collector
After=network-online.target
Wants=network-online.target
[Service]
User=alt
# The collector logs in to Aurora as its own role with an IAM token signed by the instance profile
# (a fresh one per connection; no password anywhere), over TLS verified against the RDS CAs its
# bundle carries (see docs/operations.md, Database roles).
Environment=ALT_DATABASE_HOST=${i.databaseHost} ALT_DATABASE_USER=${i.databaseUser}
Environment=NODE_ENV=production AWS_REGION=${i.region} ALT_HOST=0.0.0.0 ALT_PORT=${i.port} ALT_PRIVATE_PORT=${i.privatePort}
Environment=ALT_STREAM=kinesis ALT_KINESIS_STREAM=${i.streamName} ALT_LAKE_BUCKET=${i.lakeBucket}
Environment=ALT_DATA_DIR=${SPOOL_DIR} ALT_SPOOL_MAX_BYTES=${i.spoolMaxBytes} ALT_TRUST_PROXY_HOPS=${i.trustProxyHops}
ExecStart=${NODE_BINARY} ${COLLECTOR_DIR}/main.mjs
StandardOutput=append:/var/log/alt/collector.log
StandardError=append:/var/log/alt/collector.log
Restart=always
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=120
LimitNOFILE=65536
[Install]
WantedBy=multi-user.target
UNIT

cat > /opt/alt/drain.sh <<'DRAIN'
#!/bin/bash
# IMDSv2 only: every metadata read needs a session token.
md() { T=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60'); curl -sf -H "X-aws-ec2-metadata-token: $T" "http://169.254.169.254/latest/meta-data/$1"; }
until [ "$(md autoscaling/target-lifecycle-state)" = "Terminated" ]; do sleep 5; done
systemctl stop alt-collector
aws autoscaling complete-lifecycle-action --auto-scaling-group-name '${i.asgName}' \\
  --lifecycle-hook-name '${i.lifecycleHookName}' --instance-id "$(md instance-id)" --lifecycle-action-result CONTINUE
DRAIN
chmod 755 /opt/alt/drain.sh
cat > /etc/systemd/system/alt-drain.service <<'UNIT'
[Unit]
Description=ALT collector drain on scale-in
[Service]
ExecStart=/opt/alt/drain.sh
Restart=on-failure
[Install]
WantedBy=multi-user.target
UNIT

cat > /opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml <<'PROM'
global: { scrape_interval: 60s }
scrape_configs:
  - job_name: alt-collector
    static_configs: [{ targets: ['127.0.0.1:${i.privatePort}'], labels: { AutoScalingGroupName: '${i.asgName}' } }]
PROM
cat > /opt/aws/amazon-cloudwatch-agent/etc/alt.json <<'AGENT'
${agentConfig}
AGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/alt.json

systemctl daemon-reload
systemctl enable --now alt-collector alt-drain
`;
}
