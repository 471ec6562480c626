/**
 * What each stack preset creates, as the cost model needs it: one `StackShape` per preset. The
 * model prices exactly these resources and nothing else, so a preset here is also the list the
 * infra presets must create (DESIGN §9). `current` is the prod stack as committed today
 * (`Pulumi.prod.yaml` over `infra/config.ts`'s defaults); `presets.test.ts` holds it to the infra
 * code so the two cannot drift apart silently.
 */
import { KEEP_ALIVE_TIMEOUT_MS } from '../../collector/keep-alive.ts';

/** What a preset builds, or (`cheapest`, a lever of `estimate` only) both priced and the cheaper kept. */
export type LoadBalancerChoice = 'alb' | 'nlb' | 'cheapest';
export type LoadBalancerKind = 'alb' | 'nlb';
export type CertificateKey = 'rsa' | 'ecdsa';
/** Who issues the listener's certificate: ACM, or the stack's renewer Lambda (`alt:managedCertificate`). */
export type CertificateSource = 'acm' | 'managed';

/** ALB idle timeout (infra/components/edge.ts); the collector's keep-alive outlasts it. */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;

export interface StackShape {
  description: string;
  /** AZs the load balancer spans: one public IPv4 address each. */
  availabilityZones: number;
  /** The load balancer the stack builds (`alt:loadBalancer`); WAF needs the ALB. */
  loadBalancer: LoadBalancerKind;
  /**
   * How long a browser's idle connection stays open. Behind the ALB, its idle timeout (60 s).
   * Behind an NLB, the collector's keep-alive timeout: a TLS listener's idle timeout is 350 s and
   * fixed (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/update-idle-timeout.html),
   * and the collector closes an idle connection before that, which ends the client's with it (the
   * NLB keeps one connection to the collector per client connection; collector/keep-alive.ts).
   */
  idleTimeoutSeconds: number;
  /** The ACM certificate's key: an ECDSA chain and signature make every full TLS handshake smaller. */
  certificateKey: CertificateKey;
  /**
   * `acm`: a certificate ACM issues (`certificateArn`), whose chain sends three certificates (leaf,
   * Amazon intermediate, the Amazon root cross-signed by Starfield). `managed`: the stack's own
   * (`alt:managedCertificate`): an ECDSA P-256 leaf and one intermediate from an ACME CA, imported
   * into ACM and renewed by a daily Lambda — a smaller full handshake, plus the renewer's Lambda,
   * schedule, secret and errors alarm. `managed` implies `certificateKey: 'ecdsa'`.
   */
  certificate: CertificateSource;
  /** A web ACL on the ingest path (the ALB, or the CloudFront distribution when ingest goes through it). */
  waf: boolean;
  /** `/v1/*` through CloudFront (routeApiThroughCdn), else straight to the load balancer. */
  ingestThroughCdn: boolean;
  /** Where browsers fetch the beacon: CloudFront (`cdn`) or the collector behind the load balancer. */
  beaconFrom: 'cdn' | 'collector';
  /** The snippet references `b.<hash>.js` (immutable, cached a year) rather than `b.js` (cached 60 s). */
  beaconHashed: boolean;
  collector: {
    instanceType: 'ec2.t4g.small' | 'ec2.c7g.large';
    minSize: number;
    /** Requests per second one instance takes before target tracking adds another (0: fixed at minSize). */
    targetRequestsPerSecond: number;
    rootVolumeGiB: number;
    spoolVolumeGiB: number;
    /**
     * Collectors in the public subnets with a public IPv4 address each (security group: only the load
     * balancer may connect), reaching Kinesis, CloudWatch and Auto Scaling through their public
     * endpoints instead of interface endpoints. In private subnets they need an endpoint per service.
     */
    publicIp: boolean;
  };
  stream: {
    mode: 'on-demand' | 'provisioned';
    retentionHours: number;
    /** Kinesis enhanced shard-level metrics (billed as custom metrics, per shard). */
    shardLevelMetrics: number;
  };
  transformer: { memoryMb: number; batchingWindowSeconds: number; batchSize: number };
  aurora: {
    minCapacity: number;
    /** Instances, the writer first. */
    instances: number;
    /** Readers in promotion tier 0–1 scale with the writer; in tier 2+ they stay at their own minimum. */
    readersFollowWriter: boolean;
  };
  /** Interface endpoints: what the VPC Lambdas need (the migration reads the master secret), and the collector's services when it is private. */
  endpoints: { services: string[]; perAz: boolean };
  lake: {
    /** `hits/` in S3 Standard or Intelligent-Tiering. */
    hitsStorage: 'standard' | 'intelligent-tiering';
    /** raw/ lifecycle: days in Standard, then in Standard-IA, then Glacier IR until expiry. */
    rawStandardDays: number;
    rawIaDays: number;
    rawExpireDays: number;
    noncurrentVersionExpireDays: number;
  };
  logRetentionDays: number;
  /** Customer-managed KMS keys (stream, lake, Aurora, alarm topic). */
  kmsKeys: number;
}

/** The services the stack's private subnets reach through interface endpoints today (infra/components/network.ts). */
export const CURRENT_ENDPOINT_SERVICES = [
  'kinesis-streams',
  'logs',
  'monitoring',
  'secretsmanager',
  'autoscaling',
];
/** Collector EBS root volume (infra/components/collector.ts launch template). */
export const COLLECTOR_ROOT_GIB = 16;

/**
 * Prod as committed: `Pulumi.prod.yaml` (3 AZs, `/v1/*` through CloudFront with the web ACL there,
 * c7g.large from 2 instances at 90,000 requests/minute each, on-demand stream kept 7 days, two
 * Aurora instances, every endpoint in every AZ) over the defaults in `infra/config.ts`.
 */
const prod = {
  availabilityZones: 3,
  instanceType: 'c7g.large',
  minSize: 2,
  targetRequestsPerInstance: 90_000,
  spoolVolumeGiB: 100,
  streamRetentionHours: 168,
  rawExpireDays: 730,
  noncurrentVersionExpireDays: 30,
  transformer: { memoryMb: 3008, batchingWindowSeconds: 60, batchSize: 10_000 },
  aurora: { minCapacity: 0.5, instances: 2 },
  logRetentionDays: 90,
} as const;

export const PRESETS = {
  small: {
    description:
      'one collector (public subnet, reaching AWS APIs through their public endpoints), one Aurora writer at 0.5 ACU, a one-shard provisioned stream, no WAF (the collector rate-limits per address and per app), the hashed beacon from the collector, one interface endpoint (Secrets Manager, for the migration Lambda)',
    availabilityZones: 2,
    // An NLB would cost about the same here (the hours are priced alike, capacity units are cents);
    // the ALB keeps its request metrics and listener rules.
    loadBalancer: 'alb',
    idleTimeoutSeconds: ALB_IDLE_TIMEOUT_SECONDS,
    certificateKey: 'ecdsa',
    certificate: 'acm',
    waf: false,
    ingestThroughCdn: false,
    beaconFrom: 'collector',
    beaconHashed: true,
    collector: {
      instanceType: 'ec2.t4g.small',
      minSize: 1,
      targetRequestsPerSecond: 0,
      rootVolumeGiB: COLLECTOR_ROOT_GIB,
      spoolVolumeGiB: 8,
      publicIp: true,
    },
    stream: { mode: 'provisioned', retentionHours: 24, shardLevelMetrics: 0 },
    transformer: { memoryMb: 1024, batchingWindowSeconds: 60, batchSize: 10_000 },
    aurora: { minCapacity: 0.5, instances: 1, readersFollowWriter: false },
    endpoints: { services: ['secretsmanager'], perAz: false },
    lake: {
      hitsStorage: 'standard',
      rawStandardDays: 30,
      rawIaDays: 60,
      rawExpireDays: 365,
      noncurrentVersionExpireDays: 7,
    },
    logRetentionDays: 14,
    kmsKeys: 4,
  },
  scale: {
    description:
      'collectors by request rate (public subnets) behind an NLB with a TLS listener, no WAF, no CloudFront, a provisioned stream sized from the rate, one Aurora writer scaling with load plus a reader at 0.5 ACU, one interface endpoint (Secrets Manager), hits/ in Intelligent-Tiering, raw/ in Glacier IR after a day, the managed short-chain ECDSA certificate (`managedCertificate`)',
    availabilityZones: 2,
    // An NLB is cheaper than the ALB from about 1,000 hits/s: its capacity unit takes 50 new TLS
    // connections a second, the ALB's 25. What only the ALB provided comes from the collector: its
    // own request, 4xx, 5xx and p99 metrics for the alarms and the scaling policy, and its private
    // port for /healthz, /readyz and /metrics (an NLB forwards every path).
    loadBalancer: 'nlb',
    idleTimeoutSeconds: KEEP_ALIVE_TIMEOUT_MS / 1000,
    certificateKey: 'ecdsa',
    // At 5,000 hits/s the handshakes are the biggest line: the managed short chain sends 1,190 B
    // less a full handshake than ACM's (bench/results/tls-handshake-bytes.json).
    certificate: 'managed',
    waf: false,
    ingestThroughCdn: false,
    beaconFrom: 'collector',
    beaconHashed: true,
    collector: {
      instanceType: 'ec2.c7g.large',
      minSize: 2,
      // One collector process answered a fixed 5,000 hits/s with p99 12.3 ms on one core and ~22,000
      // req/s flat out at ~80 % of it (Kinesis sink, docs/performance.md): 2,500 a collector leaves
      // a whole AZ's loss (two collectors → one at 5,000 req/s) inside what was measured. 1,500 came
      // from a collector that did 2,300–2,800 req/s, before its hot path was cut down.
      targetRequestsPerSecond: 2_500,
      rootVolumeGiB: COLLECTOR_ROOT_GIB,
      spoolVolumeGiB: 20,
      publicIp: true,
    },
    stream: { mode: 'provisioned', retentionHours: 24, shardLevelMetrics: 0 },
    transformer: { memoryMb: 3008, batchingWindowSeconds: 60, batchSize: 10_000 },
    aurora: { minCapacity: 0.5, instances: 2, readersFollowWriter: false },
    endpoints: { services: ['secretsmanager'], perAz: false },
    lake: {
      hitsStorage: 'intelligent-tiering',
      rawStandardDays: 1,
      rawIaDays: 0,
      rawExpireDays: 365,
      noncurrentVersionExpireDays: 7,
    },
    logRetentionDays: 30,
    kmsKeys: 4,
  },
  current: {
    description:
      'the prod stack as committed (Pulumi.prod.yaml): /v1/* and b.js through CloudFront with the web ACL there, ALB in 3 AZs, on-demand stream kept 7 days, two Aurora instances, five interface endpoints in every AZ, RSA certificate',
    availabilityZones: prod.availabilityZones,
    loadBalancer: 'alb',
    idleTimeoutSeconds: ALB_IDLE_TIMEOUT_SECONDS,
    certificateKey: 'rsa',
    certificate: 'acm',
    waf: true,
    ingestThroughCdn: true,
    beaconFrom: 'cdn',
    beaconHashed: false,
    collector: {
      instanceType: `ec2.${prod.instanceType}`,
      minSize: prod.minSize,
      targetRequestsPerSecond: prod.targetRequestsPerInstance / 60,
      rootVolumeGiB: COLLECTOR_ROOT_GIB,
      spoolVolumeGiB: prod.spoolVolumeGiB,
      publicIp: false,
    },
    stream: { mode: 'on-demand', retentionHours: prod.streamRetentionHours, shardLevelMetrics: 3 },
    transformer: prod.transformer,
    aurora: { ...prod.aurora, readersFollowWriter: true },
    endpoints: { services: CURRENT_ENDPOINT_SERVICES, perAz: true },
    lake: {
      hitsStorage: 'standard',
      rawStandardDays: 30,
      rawIaDays: 60,
      rawExpireDays: prod.rawExpireDays,
      noncurrentVersionExpireDays: prod.noncurrentVersionExpireDays,
    },
    logRetentionDays: prod.logRetentionDays,
    kmsKeys: 4,
  },
} satisfies Record<string, StackShape>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The prod values `current` takes from `Pulumi.prod.yaml`, for the drift test. */
export const CURRENT_PROD_VALUES = prod;
