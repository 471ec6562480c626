/**
 * The typed stack configuration: one object per stack, read from `Pulumi.<stack>.yaml` by
 * `index.ts` and validated here so a wrong value stops `pulumi up` with a message naming the key,
 * before any resource is planned. Defaults are the dev values; prod overrides them.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { PRESETS } from '../lib/cost/presets.ts';
import { INTERFACE_ENDPOINT_SERVICES } from './components/network.ts';
import { isPresetName, PRESET_NAMES, type PresetName, presetConfig, shardsFor } from './presets.ts';

export type Environment = 'dev' | 'prod';
export type Arch = 'arm64' | 'x86_64';

export interface CollectorConfig {
  instanceType: string;
  /** Must match `instanceType` (Graviton `*g*` types are arm64) and the shipped bundle. */
  architecture: Arch;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  spoolVolumeGiB: number;
  /**
   * Requests a minute per collector that target tracking aims at; 0 disables scaling (dev). The
   * metric: ALBRequestCountPerTarget behind the ALB; behind an NLB the collector's own request
   * count (`alt_collector_requests_total`) divided by the group's in-service instances.
   */
  targetRequestsPerInstance: number;
  /**
   * In the public subnets with a public IPv4 address each (only the load balancer may connect), reaching
   * Kinesis, CloudWatch, Auto Scaling and S3 without interface endpoints; otherwise in the private
   * subnets behind the endpoints.
   */
  publicIp: boolean;
}

export interface TransformerConfig {
  /** Must match the DuckDB binary installed beside the bundle (`infra/build`). */
  architecture: Arch;
  memoryMb: number;
  timeoutSeconds: number;
  batchSize: number;
  batchingWindowSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  parallelizationFactor: number;
}

export interface AuroraConfig {
  engineVersion: string;
  minCapacity: number;
  maxCapacity: number;
  instances: number;
  deletionProtection: boolean;
  backupRetentionDays: number;
  /** Readers in promotion tier 1 scale with the writer; otherwise (tier 2+) they keep their own minimum. */
  readersFollowWriter: boolean;
}

export interface SnowflakeConfig {
  /** Pinned: the storage integration is created with this id, so re-creating it keeps the trust. */
  externalId: string;
  /** `STORAGE_AWS_IAM_USER_ARN` from `DESC INTEGRATION`; until known, the role trusts this account only. */
  principalArn?: string;
  /** `notification_channel` from `SHOW EXTERNAL TABLES`: S3 events for AUTO_REFRESH. */
  sqsArn?: string;
  database: string;
  schema: string;
}

export type StreamMode = 'on-demand' | 'provisioned';
/** `alb`: HTTPS listener with path rules, WAF possible. `nlb`: TLS listener, cheaper per new connection. */
export type LoadBalancer = 'alb' | 'nlb';
export type HitsStorageClass = 'standard' | 'intelligent-tiering';

export interface StackConfig {
  /** The `StackShape` (lib/cost/presets.ts) whose values this config starts from, if any. */
  preset?: PresetName;
  environment: Environment;
  region: string;
  /** Two AZs at least: an ALB and an Aurora subnet group both need two. */
  availabilityZones: string[];
  vpcCidr: string;
  /** Dev: interface endpoints in the first AZ only (each AZ costs ~$7/month per endpoint). */
  singleAzEndpoints: boolean;
  /** Services with an interface endpoint (`secretsmanager` for the migration; the collector's when it is private). */
  interfaceEndpoints: string[];
  /**
   * The public load balancer. `nlb` (the `scale` preset): a TLS listener terminating TLS with
   * `certificateArn` and forwarding TCP to the collectors, which see the client's address and answer
   * the alarms' and scaling's request metrics themselves; no WAF, no CloudFront in front.
   */
  loadBalancer: LoadBalancer;
  /** A WAF web ACL on the ingest path (the ALB, or the distribution when `/v1/*` goes through it). */
  waf: boolean;
  /** Serve the beacon from CloudFront; otherwise the collector serves it behind the ALB. */
  beaconCdn: boolean;
  /**
   * Regional ACM certificate for the load balancer's HTTPS (ALB) or TLS (NLB) listener. Exactly one
   * of this and `managedCertificate`.
   */
  certificateArn?: string;
  /**
   * The stack issues and renews the listener's certificate itself (infra/components/managed-certificate.ts):
   * an ECDSA P-256 leaf and one intermediate from an ACME CA, validated by DNS-01 in a Route 53 zone
   * and imported into ACM — a smaller full handshake than an ACM-issued chain.
   */
  managedCertificate?: ManagedCertificateConfig;
  sslPolicy: string;
  /** Hostname that resolves to the ALB and matches `certificateArn`; needed to route `/v1/*` via CloudFront. */
  apiDomainName?: string;
  routeApiThroughCdn: boolean;
  /**
   * With `routeApiThroughCdn`: a random value (32–128 of A–Z a–z 0–9 _ -) CloudFront sends the ALB
   * in a header the listener requires, so requests through someone else's CloudFront distribution
   * are refused too. Set it as a secret: `pulumi config set --secret alt:originVerifySecret …`.
   */
  originVerifySecret?: string;
  /** Optional beacon hostname on CloudFront, with a us-east-1 ACM certificate. */
  cdnDomainName?: string;
  cdnCertificateArn?: string;
  cdnPriceClass: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
  wafRateLimitPer5Min: number;
  /** Built artifacts: `collector/`, `transformer/`, `migrate/`, `compact/` bundles and `beacon/` files (see infra/build). */
  artifactsDir: string;
  collector: CollectorConfig;
  streamMode: StreamMode;
  /** Provisioned shards; defaults to the cost model's count for the preset at `expectedHitsPerSecond`. */
  streamShards?: number;
  /** The sustained peak the stream is provisioned for (hits a second). */
  expectedHitsPerSecond?: number;
  /** Kinesis enhanced shard-level metrics (billed per shard as custom metrics). */
  streamShardMetrics: boolean;
  streamRetentionHours: number;
  /** `hits/` files stay in S3 Standard or move to Intelligent-Tiering when a day old. */
  hitsStorageClass: HitsStorageClass;
  /** raw/ days in S3 Standard, then `rawIaDays` in Standard-IA (0: none), then Glacier IR. */
  rawStandardDays: number;
  rawIaDays: number;
  /** Days after which raw/ and bad/ objects expire (0 keeps them forever; otherwise past the last transition). */
  rawExpireDays: number;
  noncurrentVersionExpireDays: number;
  transformer: TransformerConfig;
  aurora: AuroraConfig;
  athenaBytesScannedCutoff: number;
  snowflake?: SnowflakeConfig;
  alarmEmail?: string;
  logRetentionDays: number;
}

export interface ManagedCertificateConfig {
  /** The Route 53 public hosted zone (Z…) that holds `domainName`: the renewer writes `_acme-challenge` TXT records there. */
  hostedZoneId: string;
  /** The collector hostname the certificate names. */
  domainName: string;
  /** The ACME account's contact (the CA's expiry and policy e-mails). */
  contactEmail: string;
  /** ACME directory; Let's Encrypt's production one by default. */
  directoryUrl: string;
  /**
   * CN of the root the served intermediate must be issued by; the renewer asks for that chain and
   * refuses to import one that needs a cross-sign. Let's Encrypt's ECDSA intermediates (E5–E9) are
   * issued by ISRG Root X2 (https://letsencrypt.org/certificates/).
   */
  trustedRoot: string;
  /** Renew when fewer days than this remain (Let's Encrypt certificates last 90 days). */
  renewDaysBefore: number;
}

export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
export const MANAGED_CERTIFICATE_DEFAULTS = {
  directoryUrl: LETS_ENCRYPT_DIRECTORY,
  trustedRoot: 'ISRG Root X2',
  renewDaysBefore: 30,
} as const;

/**
 * The version new stacks get: a current Aurora PostgreSQL 17 minor (AWS's Aurora PostgreSQL
 * release notes list 17.4–17.7), which runs Serverless v2 and allows 0 ACU. Check that your
 * region offers it before the first deploy (docs/operations.md, "Aurora engine version").
 */
export const AURORA_ENGINE_VERSION = '17.7';

export const DEFAULTS: Omit<StackConfig, 'region' | 'availabilityZones' | 'certificateArn' | 'artifactsDir'> =
  {
    environment: 'dev',
    vpcCidr: '10.40.0.0/16',
    singleAzEndpoints: true,
    interfaceEndpoints: [...INTERFACE_ENDPOINT_SERVICES],
    loadBalancer: 'alb',
    waf: true,
    beaconCdn: true,
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    routeApiThroughCdn: false,
    cdnPriceClass: 'PriceClass_100',
    wafRateLimitPer5Min: 20_000,
    collector: {
      instanceType: 't4g.small',
      architecture: 'arm64',
      minSize: 1,
      maxSize: 1,
      desiredCapacity: 1,
      spoolVolumeGiB: 20,
      targetRequestsPerInstance: 0,
      publicIp: false,
    },
    streamMode: 'on-demand',
    streamShardMetrics: true,
    streamRetentionHours: 24,
    hitsStorageClass: 'standard',
    rawStandardDays: 30,
    rawIaDays: 60,
    rawExpireDays: 365,
    noncurrentVersionExpireDays: 30,
    transformer: {
      architecture: 'arm64',
      memoryMb: 1024,
      timeoutSeconds: 120,
      batchSize: 10_000,
      batchingWindowSeconds: 30,
      maximumRetryAttempts: 5,
      maximumRecordAgeSeconds: 21_600,
      parallelizationFactor: 1,
    },
    aurora: {
      engineVersion: AURORA_ENGINE_VERSION,
      minCapacity: 0.5,
      maxCapacity: 2,
      instances: 1,
      deletionProtection: false,
      backupRetentionDays: 1,
      readersFollowWriter: true,
    },
    athenaBytesScannedCutoff: 10 * 1024 ** 3,
    logRetentionDays: 30,
  };

/** Every key a stack may set (`alt:<key>`, plus `region` from `aws:region`). */
export const CONFIG_KEYS = [
  ...Object.keys(DEFAULTS),
  'preset',
  'streamShards',
  'expectedHitsPerSecond',
  'region',
  'availabilityZones',
  'certificateArn',
  'managedCertificate',
  'artifactsDir',
  'apiDomainName',
  'originVerifySecret',
  'cdnDomainName',
  'cdnCertificateArn',
  'snowflake',
  'alarmEmail',
];

/**
 * Keys only the user can fill in, with where each value comes from. The committed stack files leave
 * them out (no fake ARNs: IAM rejects a trust policy naming a principal that does not exist, S3 a
 * notification to a queue that does not exist), and validation prints these lines when one is
 * missing or still a placeholder.
 */
export const USER_VALUES: Record<string, { set: string; from: string }> = {
  certificateArn: {
    set: 'npx pulumi config set alt:certificateArn arn:aws:acm:<region>:<account>:certificate/<id>',
    from: 'ACM in the stack region, after requesting a certificate for the collector hostname and validating it by DNS',
  },
  apiDomainName: {
    set: 'npx pulumi config set alt:apiDomainName collect.<your-domain>',
    from: 'your DNS: the hostname on certificateArn that will point at the load balancer (stack output loadBalancerDnsName)',
  },
  cdnDomainName: {
    set: 'npx pulumi config set alt:cdnDomainName cdn.<your-domain>',
    from: 'your DNS: a hostname for the beacon that will point at CloudFront (stack output cdnDomainName)',
  },
  cdnCertificateArn: {
    set: 'npx pulumi config set alt:cdnCertificateArn arn:aws:acm:us-east-1:<account>:certificate/<id>',
    from: 'ACM in us-east-1 (CloudFront reads certificates only there), for cdnDomainName',
  },
  alarmEmail: {
    set: 'npx pulumi config set alt:alarmEmail you@<your-domain>',
    from: 'the address that receives alarms (confirm the SNS subscription e-mail after the first deploy)',
  },
  'snowflake.principalArn': {
    set: "npx pulumi config set --path 'alt:snowflake.principalArn' arn:aws:iam::<account>:user/<id>",
    from: 'STORAGE_AWS_IAM_USER_ARN in `DESC INTEGRATION` after running the stack output snowflakeSql (second pass)',
  },
  'snowflake.sqsArn': {
    set: "npx pulumi config set --path 'alt:snowflake.sqsArn' arn:aws:sqs:<region>:<account>:<queue>",
    from: 'notification_channel in `SHOW EXTERNAL TABLES` after running the stack output snowflakeSql (second pass)',
  },
  'snowflake.externalId': {
    set: "npx pulumi config set --path 'alt:snowflake.externalId' <a string you choose>",
    from: 'you: any string, pinned so re-creating the storage integration keeps the trust',
  },
};

const howToSet = (key: string) => {
  const v = USER_VALUES[key];
  return v ? ` — set it with \`${v.set}\` (value from ${v.from})` : '';
};

/**
 * Why `value` looks like a documentation placeholder rather than a real value, or undefined.
 * Catches the shapes stack files and examples use: AWS's example accounts, all-same-digit ids,
 * `placeholder` in a name, example.com/.org/.net hosts, and unfilled `<…>` templates.
 */
export function placeholderReason(value: string): string | undefined {
  if (/(?<![0-9a-f])([0-9a-f])\1{7}-\1{4}-\1{4}-\1{4}-\1{12}(?![0-9a-f])/i.test(value))
    return 'the id is all one digit';
  // The account field of an ARN (`…:<account>:…`).
  const account = value.match(/:(123456789012|(\d)\2{11}):/);
  if (account) return `account ${account[1]} is an example account`;
  if (/placeholder/i.test(value)) return 'it says placeholder';
  if (/(^|[.@/])example\.(com|org|net)($|[/:])/i.test(value)) return 'example.com-style hosts are reserved';
  if (/[<>…]/.test(value)) return 'it is a template with <…> left in';
  return undefined;
}

/**
 * Aurora PostgreSQL versions documented for Serverless v2 (db.serverless), by major: the lowest
 * minor that runs Serverless v2 (the first Aurora release of 15, 16 and 17 already does) and the
 * lowest that allows a minimum of 0 ACU (auto-pause: the 16.3 / 15.7 quarterly release, and every
 * 17). Majors before 15 are left out: 13 is past standard support and 14 leaves it in February 2027.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
 * Which of them a region still offers is checked with `aws rds describe-orderable-db-instance-options`
 * (docs/operations.md, "Aurora engine version").
 */
export const SERVERLESS_V2_VERSIONS: Record<number, { serverless: number; zeroAcu: number }> = {
  15: { serverless: 2, zeroAcu: 7 },
  16: { serverless: 1, zeroAcu: 3 },
  17: { serverless: 4, zeroAcu: 4 },
};

/** Problem with an Aurora engine version for Serverless v2 at `minCapacity`, or undefined. */
export function auroraVersionProblem(version: unknown, minCapacity: unknown): string | undefined {
  const range = Object.entries(SERVERLESS_V2_VERSIONS)
    .map(([major, v]) => `${major}.${v.serverless}+`)
    .join(', ');
  // YAML reads an unquoted 17.10 as the number 17.1.
  if (typeof version === 'number')
    return `aurora.engineVersion: quote the version in YAML ("${version}"), got the number ${version}`;
  const m = typeof version === 'string' ? version.match(/^(\d+)\.(\d+)$/) : null;
  const known = m ? SERVERLESS_V2_VERSIONS[Number(m[1])] : undefined;
  if (!m || !known || Number(m[2]) < known.serverless)
    return `aurora.engineVersion: ${JSON.stringify(version)} is not an Aurora PostgreSQL version documented for Serverless v2 (${range}); list what your region offers with \`aws rds describe-orderable-db-instance-options --engine aurora-postgresql --db-instance-class db.serverless --query 'OrderableDBInstanceOptions[].EngineVersion'\``;
  if (minCapacity === 0 && Number(m[2]) < known.zeroAcu)
    return `aurora.minCapacity: 0 ACU (auto-pause) needs Aurora PostgreSQL ${m[1]}.${known.zeroAcu} or later, got ${version}`;
  return undefined;
}

/** TLS 1.3 policies; the default ELBSecurityPolicy-2016-08 still allows TLS 1.0. */
const TLS13 = /^ELBSecurityPolicy-TLS13-/;
const ARN = /^arn:aws[a-z-]*:/;

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StackConfigError';
  }
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges `raw` over the defaults and checks every key. Throws one `StackConfigError` listing every
 * problem (key: what is wrong, what is allowed), so a user fixes the YAML in one pass.
 */
export function validateConfig(raw: Raw, opts: { checkArtifacts?: boolean } = {}): StackConfig {
  const problems: string[] = [];
  const known = new Set(CONFIG_KEYS);
  for (const k of Object.keys(raw)) {
    if (raw[k] !== undefined && !known.has(k))
      problems.push(`${k}: unknown key (known: ${[...known].sort().join(', ')})`);
  }
  if (raw.preset !== undefined && !isPresetName(raw.preset))
    problems.push(`preset: expected one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(raw.preset)}`);
  // DEFAULTS, then the preset's shape, then the stack file's own keys.
  const preset = isPresetName(raw.preset) ? presetConfig(raw.preset) : {};
  const section = (key: 'collector' | 'transformer' | 'aurora') => ({
    ...DEFAULTS[key],
    ...(isObject(preset[key]) ? preset[key] : {}),
    ...(isObject(raw[key]) ? raw[key] : {}),
  });
  const merged = {
    ...DEFAULTS,
    ...preset,
    ...raw,
    collector: section('collector'),
    transformer: section('transformer'),
    aurora: section('aurora'),
    ...(isObject(raw.managedCertificate)
      ? { managedCertificate: { ...MANAGED_CERTIFICATE_DEFAULTS, ...raw.managedCertificate } }
      : {}),
  } as StackConfig;
  const c = merged;
  const need = (ok: boolean, msg: string) => {
    if (!ok) problems.push(msg);
  };
  const int = (key: string, v: unknown, min: number, max: number) =>
    need(
      Number.isInteger(v) && (v as number) >= min && (v as number) <= max,
      `${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`,
    );
  const str = (key: string, v: unknown, re?: RegExp, hint?: string) =>
    need(
      typeof v === 'string' && v.length > 0 && (!re || re.test(v)),
      `${key}: expected ${hint ?? 'a non-empty string'}, got ${JSON.stringify(v)}`,
    );

  need(
    c.environment === 'dev' || c.environment === 'prod',
    `environment: expected dev or prod, got ${JSON.stringify(c.environment)}`,
  );
  str('region', c.region, /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1');
  need(
    Array.isArray(c.availabilityZones) &&
      c.availabilityZones.length >= 2 &&
      c.availabilityZones.every(
        (z) => typeof z === 'string' && typeof c.region === 'string' && z.startsWith(c.region),
      ),
    `availabilityZones: expected at least 2 zones of ${c.region} (an ALB and an Aurora subnet group need two), got ${JSON.stringify(c.availabilityZones)}`,
  );
  str('vpcCidr', c.vpcCidr, /^\d+\.\d+\.0\.0\/16$/, 'a /16 CIDR such as 10.40.0.0/16');
  if (c.certificateArn !== undefined && c.managedCertificate !== undefined)
    problems.push(
      'certificateArn / managedCertificate: set one, not both — certificateArn serves a certificate you manage in ACM, managedCertificate has the stack issue and renew one (docs/operations.md, "Managed certificate")',
    );
  else if (c.certificateArn === undefined && c.managedCertificate === undefined)
    problems.push(
      `certificateArn: not set${howToSet('certificateArn')}; or set managedCertificate instead (docs/operations.md, "Managed certificate")`,
    );
  else if (c.certificateArn !== undefined)
    str('certificateArn', c.certificateArn, /^arn:aws[a-z-]*:acm:/, 'an ACM certificate ARN');
  if (c.managedCertificate !== undefined) {
    const m = c.managedCertificate as unknown;
    if (!isObject(m))
      problems.push('managedCertificate: expected an object with hostedZoneId, domainName and contactEmail');
    else {
      str(
        'managedCertificate.hostedZoneId',
        m.hostedZoneId,
        /^Z[A-Z0-9]{1,31}$/,
        'a Route 53 hosted zone id (Z…, `aws route53 list-hosted-zones-by-name --dns-name <your-domain>`)',
      );
      str(
        'managedCertificate.domainName',
        m.domainName,
        /^(?!\*)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
        'a lower-case hostname in that zone, no wildcard (DNS-01 validates that one name)',
      );
      str('managedCertificate.contactEmail', m.contactEmail, /^[^@\s]+@[^@\s]+$/, 'an e-mail address');
      str('managedCertificate.directoryUrl', m.directoryUrl, /^https:\/\//, 'an https:// ACME directory URL');
      str('managedCertificate.trustedRoot', m.trustedRoot, undefined, 'the CN of a root CA');
      // Let's Encrypt certificates last 90 days; above 60 days the renewer would renew every day.
      int('managedCertificate.renewDaysBefore', m.renewDaysBefore, 7, 60);
      for (const k of Object.keys(m))
        if (
          ![
            'hostedZoneId',
            'domainName',
            'contactEmail',
            ...Object.keys(MANAGED_CERTIFICATE_DEFAULTS),
          ].includes(k)
        )
          problems.push(`managedCertificate.${k}: unknown key`);
      if (c.apiDomainName !== undefined && c.apiDomainName !== m.domainName)
        problems.push(
          `apiDomainName: ${JSON.stringify(c.apiDomainName)} is not the managed certificate's domainName ${JSON.stringify(m.domainName)}: browsers would get a certificate for another name`,
        );
    }
  }
  str('sslPolicy', c.sslPolicy, TLS13, 'a TLS 1.3 policy (ELBSecurityPolicy-TLS13-…)');
  if (c.routeApiThroughCdn && c.apiDomainName === undefined)
    problems.push(`apiDomainName: not set, and routeApiThroughCdn is true${howToSet('apiDomainName')}`);
  else if (c.routeApiThroughCdn)
    str('apiDomainName', c.apiDomainName, /\./, 'the ALB hostname when routeApiThroughCdn is true');
  if (c.originVerifySecret !== undefined) {
    // Not echoed: the value is a secret.
    need(
      typeof c.originVerifySecret === 'string' && /^[A-Za-z0-9_-]{32,128}$/.test(c.originVerifySecret),
      'originVerifySecret: expected 32–128 characters of A–Z a–z 0–9 _ - (an ALB header condition takes at most 128 and treats * and ? as wildcards)',
    );
    need(c.routeApiThroughCdn, 'originVerifySecret: only used when routeApiThroughCdn is true');
  }
  if (c.cdnDomainName !== undefined || c.cdnCertificateArn !== undefined) {
    str('cdnDomainName', c.cdnDomainName, /\./, 'a hostname');
    str(
      'cdnCertificateArn',
      c.cdnCertificateArn,
      /^arn:aws[a-z-]*:acm:us-east-1:/,
      'a us-east-1 ACM ARN (CloudFront)',
    );
  }
  need(
    ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'].includes(c.cdnPriceClass),
    `cdnPriceClass: expected PriceClass_100, PriceClass_200 or PriceClass_All, got ${JSON.stringify(c.cdnPriceClass)}`,
  );
  int('wafRateLimitPer5Min', c.wafRateLimitPer5Min, 10, 2_000_000_000);
  need(typeof c.waf === 'boolean', `waf: expected true or false, got ${JSON.stringify(c.waf)}`);
  need(
    c.loadBalancer === 'alb' || c.loadBalancer === 'nlb',
    `loadBalancer: expected alb or nlb, got ${JSON.stringify(c.loadBalancer)}`,
  );
  if (c.loadBalancer === 'nlb') {
    // A regional web ACL associates with an ALB (or API Gateway, AppSync…), not an NLB.
    // https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-associating-aws-resource.html
    need(
      c.waf !== true,
      'waf: a web ACL cannot protect an NLB — set loadBalancer: alb to keep WAF, or waf: false (the collector still rate-limits per address and per app)',
    );
    // CloudFront in front would make every client address a CloudFront edge server's: the collector
    // behind an NLB trusts no X-Forwarded-For.
    need(
      c.routeApiThroughCdn !== true,
      'routeApiThroughCdn: /v1/* through CloudFront needs loadBalancer: alb (behind an NLB the collector takes the client address from the connection, which would be CloudFront)',
    );
  }
  need(
    typeof c.beaconCdn === 'boolean',
    `beaconCdn: expected true or false, got ${JSON.stringify(c.beaconCdn)}`,
  );
  if (c.beaconCdn === false) {
    need(
      !c.routeApiThroughCdn,
      'beaconCdn: false, but routeApiThroughCdn is true — /v1/* goes through the beacon distribution; set beaconCdn: true or routeApiThroughCdn: false',
    );
    need(
      c.cdnDomainName === undefined && c.cdnCertificateArn === undefined,
      'cdnDomainName / cdnCertificateArn: only used when beaconCdn is true (the collector serves the beacon on apiDomainName otherwise)',
    );
  }
  str('artifactsDir', c.artifactsDir);

  const col = c.collector;
  str('collector.instanceType', col.instanceType, /^[a-z0-9-]+\.[a-z0-9]+$/, 'an EC2 instance type');
  need(
    col.architecture === 'arm64' || col.architecture === 'x86_64',
    'collector.architecture: expected arm64 or x86_64',
  );
  if (typeof col.instanceType === 'string') {
    const graviton = /^[a-z]+\d+g[a-z]*\./.test(col.instanceType);
    need(
      graviton === (col.architecture === 'arm64'),
      `collector.architecture: ${col.architecture} does not match instance type ${col.instanceType}`,
    );
  }
  int('collector.minSize', col.minSize, 1, 100);
  int('collector.maxSize', col.maxSize, 1, 100);
  int('collector.desiredCapacity', col.desiredCapacity, 1, 100);
  need(
    col.minSize <= col.desiredCapacity && col.desiredCapacity <= col.maxSize,
    `collector: expected minSize ≤ desiredCapacity ≤ maxSize, got ${col.minSize}/${col.desiredCapacity}/${col.maxSize}`,
  );
  int('collector.spoolVolumeGiB', col.spoolVolumeGiB, 1, 16_384);
  int('collector.targetRequestsPerInstance', col.targetRequestsPerInstance, 0, 10_000_000);
  need(
    typeof col.publicIp === 'boolean',
    `collector.publicIp: expected true or false, got ${JSON.stringify(col.publicIp)}`,
  );

  // Interface endpoints: the migration Lambda reads the master secret; a private collector reaches
  // its services only through theirs (no NAT gateway).
  const endpoints = Array.isArray(c.interfaceEndpoints) ? (c.interfaceEndpoints as unknown[]) : undefined;
  need(
    !!endpoints?.every((e) => typeof e === 'string' && INTERFACE_ENDPOINT_SERVICES.includes(e)) &&
      new Set(endpoints).size === endpoints?.length,
    `interfaceEndpoints: expected a list of distinct services from ${INTERFACE_ENDPOINT_SERVICES.join(', ')}, got ${JSON.stringify(c.interfaceEndpoints)}`,
  );
  if (endpoints) {
    const needed = col.publicIp === false ? INTERFACE_ENDPOINT_SERVICES : ['secretsmanager'];
    const missing = needed.filter((e) => !endpoints.includes(e));
    need(
      missing.length === 0,
      `interfaceEndpoints: missing ${missing.join(', ')} — ${col.publicIp === false ? 'a private collector (collector.publicIp: false) reaches Kinesis, CloudWatch Logs and metrics, Auto Scaling and Secrets Manager only through endpoints' : 'the migration Lambda reads the Aurora master secret through it'}`,
    );
  }

  need(
    c.streamMode === 'on-demand' || c.streamMode === 'provisioned',
    `streamMode: expected on-demand or provisioned, got ${JSON.stringify(c.streamMode)}`,
  );
  need(
    typeof c.streamShardMetrics === 'boolean',
    `streamShardMetrics: expected true or false, got ${JSON.stringify(c.streamShardMetrics)}`,
  );
  const rate = c.expectedHitsPerSecond ?? 0;
  const rateOk = typeof rate === 'number' && Number.isFinite(rate) && rate >= 0;
  need(rateOk, `expectedHitsPerSecond: expected a number of hits a second ≥ 0, got ${JSON.stringify(rate)}`);
  if (c.streamMode === 'provisioned') {
    const sizedByPreset = c.preset !== undefined && PRESETS[c.preset].stream.mode === 'provisioned';
    if (c.streamShards === undefined && sizedByPreset && rateOk)
      c.streamShards = shardsFor(c.preset as PresetName, rate);
    if (c.streamShards === undefined)
      problems.push(
        'streamShards: not set, and streamMode is provisioned — set it, or use a preset with a provisioned stream (small, scale) and expectedHitsPerSecond',
      );
    else int('streamShards', c.streamShards, 1, 10_000);
  } else if (c.streamShards !== undefined)
    problems.push('streamShards: only used when streamMode is provisioned');

  int('streamRetentionHours', c.streamRetentionHours, 24, 8760);
  need(
    c.hitsStorageClass === 'standard' || c.hitsStorageClass === 'intelligent-tiering',
    `hitsStorageClass: expected standard or intelligent-tiering, got ${JSON.stringify(c.hitsStorageClass)}`,
  );
  // S3 moves nothing to Standard-IA before it is 30 days old.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
  if (c.rawIaDays === 0) int('rawStandardDays', c.rawStandardDays, 0, 36_500);
  else {
    int('rawStandardDays', c.rawStandardDays, 30, 36_500);
    int('rawIaDays', c.rawIaDays, 30, 36_500);
  }
  const lastTransition = c.rawStandardDays + c.rawIaDays;
  need(
    Number.isInteger(c.rawExpireDays) &&
      (c.rawExpireDays === 0 || (c.rawExpireDays > lastTransition && c.rawExpireDays <= 36_500)),
    `rawExpireDays: expected 0 (keep forever) or an integer above ${lastTransition} (raw/ moves to Glacier IR at ${lastTransition} days), got ${JSON.stringify(c.rawExpireDays)}`,
  );
  int('noncurrentVersionExpireDays', c.noncurrentVersionExpireDays, 1, 36_500);

  const t = c.transformer;
  need(
    t.architecture === 'arm64' || t.architecture === 'x86_64',
    'transformer.architecture: expected arm64 or x86_64',
  );
  int('transformer.memoryMb', t.memoryMb, 128, 10_240);
  int('transformer.timeoutSeconds', t.timeoutSeconds, 1, 900);
  int('transformer.batchSize', t.batchSize, 1, 10_000);
  int('transformer.batchingWindowSeconds', t.batchingWindowSeconds, 0, 300);
  int('transformer.maximumRetryAttempts', t.maximumRetryAttempts, 0, 10_000);
  int('transformer.maximumRecordAgeSeconds', t.maximumRecordAgeSeconds, 60, 604_800);
  int('transformer.parallelizationFactor', t.parallelizationFactor, 1, 10);
  need(
    t.maximumRecordAgeSeconds <= c.streamRetentionHours * 3600,
    `transformer.maximumRecordAgeSeconds: ${t.maximumRecordAgeSeconds} exceeds the stream retention (${c.streamRetentionHours} h)`,
  );

  const a = c.aurora;
  const version = auroraVersionProblem(a.engineVersion, a.minCapacity);
  if (version) problems.push(version);
  need(
    typeof a.minCapacity === 'number' &&
      a.minCapacity >= 0 &&
      a.minCapacity * 2 === Math.round(a.minCapacity * 2),
    `aurora.minCapacity: expected ACUs in steps of 0.5 from 0, got ${JSON.stringify(a.minCapacity)}`,
  );
  need(
    typeof a.maxCapacity === 'number' && a.maxCapacity >= Math.max(1, a.minCapacity) && a.maxCapacity <= 256,
    `aurora.maxCapacity: expected ACUs from max(1, minCapacity) to 256, got ${JSON.stringify(a.maxCapacity)}`,
  );
  int('aurora.instances', a.instances, 1, 15);
  need(typeof a.deletionProtection === 'boolean', 'aurora.deletionProtection: expected true or false');
  need(typeof a.readersFollowWriter === 'boolean', 'aurora.readersFollowWriter: expected true or false');
  int('aurora.backupRetentionDays', a.backupRetentionDays, 1, 35);
  int('athenaBytesScannedCutoff', c.athenaBytesScannedCutoff, 10 * 1024 ** 2, Number.MAX_SAFE_INTEGER);
  int('logRetentionDays', c.logRetentionDays, 1, 3653);
  if (c.alarmEmail !== undefined) str('alarmEmail', c.alarmEmail, /^[^@\s]+@[^@\s]+$/, 'an e-mail address');

  if (c.snowflake !== undefined) {
    const s = c.snowflake;
    if (!isObject(s)) problems.push('snowflake: expected an object');
    else {
      str('snowflake.externalId', s.externalId, /^[A-Za-z0-9_+=,.@:/-]{2,1224}$/, 'a pinned external id');
      if (s.principalArn !== undefined)
        str('snowflake.principalArn', s.principalArn, /^arn:aws:iam::\d{12}:user\//, 'an IAM user ARN');
      if (s.sqsArn !== undefined) str('snowflake.sqsArn', s.sqsArn, /^arn:aws:sqs:/, 'an SQS queue ARN');
      str('snowflake.database', s.database, /^[A-Za-z_][A-Za-z0-9_$]*$/, 'a Snowflake identifier');
      str('snowflake.schema', s.schema, /^[A-Za-z_][A-Za-z0-9_$]*$/, 'a Snowflake identifier');
    }
  }

  for (const [key, value] of stringLeaves(raw)) {
    const why = placeholderReason(value);
    if (why) problems.push(`${key}: ${JSON.stringify(value)} is a placeholder (${why})${howToSet(key)}`);
  }

  // Production safety is not optional: a prod stack that could lose data or capacity is refused.
  if (c.environment === 'prod') {
    need(col.minSize >= 2, 'collector.minSize: prod needs at least 2 instances across AZs');
    need(
      col.targetRequestsPerInstance > 0,
      'collector.targetRequestsPerInstance: prod needs target tracking (> 0)',
    );
    need(a.deletionProtection === true, 'aurora.deletionProtection: must be true in prod');
    need(a.backupRetentionDays >= 7, 'aurora.backupRetentionDays: prod keeps at least 7 days of backups');
    need(a.instances >= 2, 'aurora.instances: prod needs a writer and a reader in another AZ');
    // A private collector depends on the endpoints; a public one does not (the migration's secret read
    // happens at deploy time only).
    if (!col.publicIp)
      need(!c.singleAzEndpoints, 'singleAzEndpoints: must be false in prod while the collector is private');
  }

  if (opts.checkArtifacts !== false && typeof c.artifactsDir === 'string') {
    for (const part of [...ARTIFACT_PARTS, ...(c.managedCertificate ? ['certificate-renewer'] : [])]) {
      const dir = path.join(c.artifactsDir, part);
      need(
        existsSync(dir) && statSync(dir).isDirectory(),
        `artifactsDir: ${dir} is missing — run \`npm run build:aws -- --arch ${c.transformer.architecture} --out ${c.artifactsDir}\` first`,
      );
    }
  }
  if (problems.length > 0) throw new StackConfigError(problems);
  return c;
}

/** The folders `infra/build` writes and the program uploads. */
export const ARTIFACT_PARTS = ['collector', 'transformer', 'migrate', 'compact', 'beacon'] as const;

/** Every string in the raw config with its dotted key (`snowflake.sqsArn`), lists included. */
function* stringLeaves(v: unknown, key = ''): Generator<[string, string]> {
  if (typeof v === 'string') yield [key, v];
  else if (Array.isArray(v)) for (const x of v) yield* stringLeaves(x, key);
  else if (isObject(v))
    for (const [k, x] of Object.entries(v)) yield* stringLeaves(x, key ? `${key}.${k}` : k);
}

export const isArn = (s: string) => ARN.test(s);
