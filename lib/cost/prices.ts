/**
 * The dated AWS list-price table the cost model (`model.ts`) prices with: on-demand, USD, no free
 * tier, no Savings Plans or private pricing. Every price names where it comes from and how sure it
 * is, because a number in `alt cost` is only as good as its least certain price:
 *
 * - `aws-page`: the figure was read in a stored copy of AWS's own page (URL in `source`);
 * - `secondary`: read in a third-party page quoting AWS (its URL in `seenIn`); `source` is still
 *   the AWS page to check it against;
 * - `unverified`: not confirmed from any source during this session (taken from the project's
 *   previous hand estimate or from memory of the AWS page). Check these first.
 *
 * AWS's machine-readable list is the Price List API: offer files at
 * `https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/<offerCode>/current/<region>/index.json`;
 * each price names its offer code so a future updater can diff the table against the files.
 */

export const PRICE_REGIONS = ['us-east-1', 'eu-west-1', 'eu-central-1'] as const;
export type PriceRegion = (typeof PRICE_REGIONS)[number];

/** When the table was last read (UTC date). The sources are stored copies, each of its own age. */
export const PRICES_READ_ON = '2026-12-06';

export type Confidence = 'aws-page' | 'secondary' | 'unverified';

/** A price that falls with volume: `upTo` is the cumulative monthly quantity where a tier ends. */
export interface Tier {
  upTo: number;
  usd: number;
}

export interface Price {
  /** What one unit is, e.g. `hour`, `GB`, `1M requests`. */
  unit: string;
  usd: Record<PriceRegion, number | Tier[]>;
  offerCode: string;
  source: string;
  seenIn?: string[];
  confidence: Confidence;
  note?: string;
}

const same = (usd: number | Tier[]): Record<PriceRegion, number | Tier[]> => ({
  'us-east-1': usd,
  'eu-west-1': usd,
  'eu-central-1': usd,
});
const by = (use1: number, euw1: number, euc1: number): Record<PriceRegion, number> => ({
  'us-east-1': use1,
  'eu-west-1': euw1,
  'eu-central-1': euc1,
});

const EC2 = 'https://aws.amazon.com/ec2/pricing/on-demand/';
const ELB = 'https://aws.amazon.com/elasticloadbalancing/pricing/';
const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const AURORA = 'https://aws.amazon.com/rds/aurora/pricing/';
const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const CLOUDFRONT = 'https://aws.amazon.com/cloudfront/pricing/';
const WAF = 'https://aws.amazon.com/waf/pricing/';
const PRIVATELINK = 'https://aws.amazon.com/privatelink/pricing/';
const VPC = 'https://aws.amazon.com/vpc/pricing/';
const CLOUDWATCH = 'https://aws.amazon.com/cloudwatch/pricing/';
const KMS = 'https://aws.amazon.com/kms/pricing/';
const SECRETS = 'https://aws.amazon.com/secrets-manager/pricing/';
const SCHEDULER = 'https://aws.amazon.com/eventbridge/pricing/';
const ATHENA = 'https://aws.amazon.com/athena/pricing/';

/** GB in the tier boundaries below: AWS bills data transfer per GB of 2^30 bytes. */
const TB = 1024;

export const PRICES = {
  'ec2.t4g.small': {
    unit: 'instance-hour',
    usd: by(0.0168, 0.0184, 0.0192),
    offerCode: 'AmazonEC2',
    source: EC2,
    seenIn: ['https://github.com/ChiefGyk3D/Clouds-Against-Humanity/wiki/Provider-AWS-Cost-Lesson'],
    confidence: 'secondary',
    note: 'Linux on-demand; the cited page gives t4g.micro $0.0084 (us-east-1, read from the price-list files), t4g.small is twice that; eu prices unverified',
  },
  'ec2.c7g.large': {
    unit: 'instance-hour',
    usd: by(0.0725, 0.0771, 0.0826),
    offerCode: 'AmazonEC2',
    source: EC2,
    confidence: 'unverified',
    note: 'Linux on-demand; us-east-1 figure as in the previous hand estimate',
  },
  'ebs.gp3': {
    unit: 'GB-month',
    usd: by(0.08, 0.088, 0.0952),
    offerCode: 'AmazonEC2',
    source: 'https://aws.amazon.com/ebs/pricing/',
    seenIn: ['https://github.com/ChiefGyk3D/Clouds-Against-Humanity/wiki/Provider-AWS-Cost-Lesson'],
    confidence: 'secondary',
    note: 'us-east-1 seen; eu prices unverified; baseline 3,000 IOPS / 125 MB/s included',
  },
  'vpc.public-ipv4': {
    unit: 'address-hour',
    usd: same(0.005),
    offerCode: 'AmazonVPC',
    source: VPC,
    seenIn: [
      'https://github.com/cmbuckley/cmbuckley.github.io/blob/main/_posts/2024-01-28-removing-aws-ec2-ipv4-addresses.md',
      'https://github.com/LeanerCloud/aws-ipv4-cost-viewer',
    ],
    confidence: 'secondary',
    note: 'every public IPv4 address, a load balancer node’s included (one per enabled AZ), since 2024-02-01',
  },
  'elb.alb-hour': {
    unit: 'ALB-hour',
    usd: by(0.0225, 0.0252, 0.027),
    offerCode: 'AWSELB',
    source: ELB,
    seenIn: [
      'https://cal53.calculator.city/aws-alb-cost-calculator/',
      'https://clustercost.com/blog/network-load-balancer-pricing-2025',
    ],
    confidence: 'secondary',
    note: 'us-east-1 and eu-west-1 seen; eu-central-1 unverified',
  },
  'elb.alb-lcu': {
    unit: 'LCU-hour',
    usd: same(0.008),
    offerCode: 'AWSELB',
    source: ELB,
    seenIn: ['https://aws.darcy-it.com/elb%E3%81%AE%E3%82%B3%E3%82%B9%E3%83%88%E6%96%99%E9%87%91/'],
    confidence: 'secondary',
    note: 'an LCU is the largest of: 25 new connections/s, 3,000 active connections, 1 GB/h processed, 1,000 rule evaluations/s (https://handbook.vantage.sh/aws/services/elb-pricing)',
  },
  'elb.nlb-hour': {
    unit: 'NLB-hour',
    usd: by(0.0225, 0.0252, 0.027),
    offerCode: 'AWSELB',
    source: ELB,
    seenIn: ['https://clustercost.com/blog/network-load-balancer-pricing-2025'],
    confidence: 'secondary',
    note: 'us-east-1 seen; eu prices unverified',
  },
  'elb.nlb-nlcu': {
    unit: 'NLCU-hour',
    usd: same(0.006),
    offerCode: 'AWSELB',
    source: ELB,
    seenIn: ['https://aws.darcy-it.com/elb%E3%81%AE%E3%82%B3%E3%82%B9%E3%83%88%E6%96%99%E9%87%91/'],
    confidence: 'secondary',
    note: 'a TLS NLCU is the largest of: 50 new TLS connections/s, 3,000 active TLS connections, 1 GB/h processed (dimension sizes unverified)',
  },
  'kinesis.od-stream-hour': {
    unit: 'stream-hour',
    usd: by(0.04, 0.044, 0.045),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    confidence: 'unverified',
    note: 'on-demand; the stored AWS page confirms the dimensions (per stream-hour, per GB in and out, records rounded up to 1 KB) but its excerpt shows no amounts',
  },
  'kinesis.od-ingest-gb': {
    unit: 'GB',
    usd: by(0.08, 0.088, 0.09),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    confidence: 'unverified',
    note: 'on-demand data in, each record rounded up to 1 KB',
  },
  'kinesis.od-retrieve-gb': {
    unit: 'GB',
    usd: by(0.04, 0.044, 0.045),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    confidence: 'unverified',
  },
  'kinesis.od-retention-gb-month': {
    unit: 'GB-month',
    usd: by(0.1, 0.11, 0.113),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    confidence: 'unverified',
    note: 'on-demand extended retention (past 24 h, up to 7 days)',
  },
  'kinesis.shard-hour': {
    unit: 'shard-hour',
    usd: by(0.015, 0.017, 0.018),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    seenIn: [
      'https://c3x.dev/resources/aws/aws_kinesis_stream',
      'https://kindatechnical.com/aws-kinesis/lesson-29-understanding-kinesis-pricing.html',
    ],
    confidence: 'secondary',
    note: 'provisioned: 1 MiB/s or 1,000 records/s in per shard; us-east-1 seen, eu unverified',
  },
  'kinesis.put-payload-units': {
    unit: '1M PUT payload units',
    usd: by(0.014, 0.0155, 0.0175),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    confidence: 'unverified',
    note: 'provisioned: a record is ceil(size / 25 KB) units (unit size confirmed in the stored AWS page)',
  },
  'kinesis.extended-retention-shard-hour': {
    unit: 'shard-hour',
    usd: by(0.02, 0.023, 0.024),
    offerCode: 'AmazonKinesis',
    source: KINESIS,
    seenIn: ['https://c3x.dev/resources/aws/aws_kinesis_stream'],
    confidence: 'secondary',
    note: 'provisioned, retention past 24 h; us-east-1 seen',
  },
  's3.standard': {
    unit: 'GB-month',
    usd: by(0.023, 0.023, 0.0245),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
    note: 'first 50 TB',
  },
  's3.standard-ia': {
    unit: 'GB-month',
    usd: by(0.0125, 0.0125, 0.0135),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
  },
  's3.glacier-ir': {
    unit: 'GB-month',
    usd: by(0.004, 0.004, 0.005),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
    note: 'Glacier Instant Retrieval: 90-day minimum, objects under 128 KB billed as 128 KB',
  },
  's3.it-monitoring': {
    unit: '1k objects-month',
    usd: same(0.0025),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
    note: 'Intelligent-Tiering monitoring (objects of 128 KB and more); its tiers cost as Standard, Standard-IA (after 30 days unread) and Glacier IR (after 90)',
  },
  's3.put': {
    unit: '1k requests',
    usd: by(0.005, 0.005, 0.0054),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
    note: 'PUT, COPY, POST, LIST',
  },
  's3.get': {
    unit: '1k requests',
    usd: by(0.0004, 0.0004, 0.00043),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
  },
  's3.transition-ia': {
    unit: '1k transitions',
    usd: same(0.01),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
  },
  's3.transition-it': {
    unit: '1k transitions',
    usd: same(0.01),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
    note: 'lifecycle transitions into Intelligent-Tiering',
  },
  's3.transition-gir': {
    unit: '1k transitions',
    usd: same(0.02),
    offerCode: 'AmazonS3',
    source: S3,
    confidence: 'unverified',
  },
  'aurora.acu-hour': {
    unit: 'ACU-hour',
    usd: by(0.12, 0.13, 0.14),
    offerCode: 'AmazonRDS',
    source: AURORA,
    seenIn: [
      'https://c3x.dev/blog/aws-aurora-serverless-v2-cost/',
      'https://awsnegotiations.com/aurora-serverless-v2-pricing.html',
    ],
    confidence: 'secondary',
    note: 'Serverless v2, Aurora Standard; us-east-1 seen, eu unverified',
  },
  'aurora.storage': {
    unit: 'GB-month',
    usd: by(0.1, 0.11, 0.119),
    offerCode: 'AmazonRDS',
    source: AURORA,
    confidence: 'unverified',
    note: 'Aurora Standard',
  },
  'aurora.io': {
    unit: '1M I/O requests',
    usd: by(0.2, 0.22, 0.22),
    offerCode: 'AmazonRDS',
    source: AURORA,
    confidence: 'unverified',
  },
  'lambda.arm-gb-second': {
    unit: 'GB-second',
    usd: same(0.0000133334),
    offerCode: 'AWSLambda',
    source: LAMBDA,
    seenIn: ['https://cloudchipr.com/blog/aws-lambda-pricing'],
    confidence: 'secondary',
    note: 'Arm, first 7.5 B GB-s a month (us-east-1 seen; eu unverified)',
  },
  'lambda.requests': {
    unit: '1M requests',
    usd: same(0.2),
    offerCode: 'AWSLambda',
    source: LAMBDA,
    seenIn: ['https://cloudchipr.com/blog/aws-lambda-pricing'],
    confidence: 'secondary',
  },
  'cloudfront.data-out': {
    unit: 'GB',
    usd: same([
      { upTo: 10 * TB, usd: 0.085 },
      { upTo: 50 * TB, usd: 0.08 },
      { upTo: 150 * TB, usd: 0.06 },
      { upTo: 500 * TB, usd: 0.04 },
      { upTo: Number.POSITIVE_INFINITY, usd: 0.03 },
    ]),
    offerCode: 'AmazonCloudFront',
    source: CLOUDFRONT,
    confidence: 'aws-page',
    note: 'United States, Mexico, Canada and Europe (viewers assumed on the stack’s continent); tiers past 1 PB left out',
  },
  'cloudfront.https-requests': {
    unit: '10k requests',
    usd: by(0.01, 0.012, 0.012),
    offerCode: 'AmazonCloudFront',
    source: CLOUDFRONT,
    confidence: 'unverified',
    note: 'HTTPS, US (us-east-1) and Europe (eu regions); the same rate assumed for POSTs forwarded to an origin',
  },
  'cloudfront.data-to-origin': {
    unit: 'GB',
    usd: same(0.02),
    offerCode: 'AmazonCloudFront',
    source: CLOUDFRONT,
    confidence: 'unverified',
  },
  'waf.web-acl': {
    unit: 'web ACL-month',
    usd: same(5),
    offerCode: 'awswaf',
    source: WAF,
    seenIn: [
      'https://c3x.dev/blog/aws-waf-cost-explained/',
      'https://awsnegotiations.com/waf-pricing-strategy.html',
    ],
    confidence: 'secondary',
    note: 'the same in every region (https://aws.amazon.com/blogs/networking-and-content-delivery/cost-effective-ways-for-securing-your-web-applications-using-aws-waf/)',
  },
  'waf.rule': {
    unit: 'rule-month',
    usd: same(1),
    offerCode: 'awswaf',
    source: WAF,
    seenIn: ['https://c3x.dev/blog/aws-waf-cost-explained/'],
    confidence: 'secondary',
    note: 'a managed rule group counts as one rule',
  },
  'waf.requests': {
    unit: '1M requests',
    usd: same(0.6),
    offerCode: 'awswaf',
    source: WAF,
    seenIn: ['https://c3x.dev/blog/aws-waf-cost-explained/'],
    confidence: 'secondary',
  },
  'vpce.interface-hour': {
    unit: 'endpoint-AZ-hour',
    usd: by(0.01, 0.011, 0.012),
    offerCode: 'AmazonVPC',
    source: PRIVATELINK,
    seenIn: ['https://awsnegotiations.com/privatelink-cost-analysis.html'],
    confidence: 'secondary',
    note: 'per endpoint per AZ; us-east-1 seen, eu unverified',
  },
  'vpce.data': {
    unit: 'GB',
    usd: same([
      { upTo: 1024 * TB, usd: 0.01 },
      { upTo: 5 * 1024 * TB, usd: 0.006 },
      { upTo: Number.POSITIVE_INFINITY, usd: 0.004 },
    ]),
    offerCode: 'AmazonVPC',
    source: PRIVATELINK,
    confidence: 'aws-page',
    note: 'data processed by interface endpoints, per region',
  },
  'ec2.data-out': {
    unit: 'GB',
    usd: same([
      { upTo: 10 * TB, usd: 0.09 },
      { upTo: 50 * TB, usd: 0.085 },
      { upTo: 150 * TB, usd: 0.07 },
      { upTo: Number.POSITIVE_INFINITY, usd: 0.05 },
    ]),
    offerCode: 'AWSDataTransfer',
    source: EC2,
    confidence: 'unverified',
    note: 'data transfer out to the internet from EC2 and load balancers (the on-demand page’s Data Transfer section)',
  },
  'ec2.cross-az': {
    unit: 'GB',
    usd: same(0.02),
    offerCode: 'AWSDataTransfer',
    source: EC2,
    confidence: 'unverified',
    note: '$0.01/GB charged on each side of an inter-AZ transfer',
  },
  'cloudwatch.metric': {
    unit: 'metric-month',
    usd: same(0.3),
    offerCode: 'AmazonCloudWatch',
    source: CLOUDWATCH,
    confidence: 'unverified',
    note: 'first 10,000 custom metrics (EMF metrics and shard-level Kinesis metrics count)',
  },
  'cloudwatch.alarm': {
    unit: 'alarm-month',
    usd: same(0.1),
    offerCode: 'AmazonCloudWatch',
    source: CLOUDWATCH,
    confidence: 'unverified',
    note: 'standard resolution',
  },
  'cloudwatch.dashboard': {
    unit: 'dashboard-month',
    usd: same(3),
    offerCode: 'AmazonCloudWatch',
    source: CLOUDWATCH,
    confidence: 'unverified',
  },
  'cloudwatch.logs-ingest': {
    unit: 'GB',
    usd: by(0.5, 0.57, 0.63),
    offerCode: 'AmazonCloudWatch',
    source: CLOUDWATCH,
    confidence: 'unverified',
  },
  'cloudwatch.logs-storage': {
    unit: 'GB-month',
    usd: by(0.03, 0.03, 0.0324),
    offerCode: 'AmazonCloudWatch',
    source: CLOUDWATCH,
    confidence: 'unverified',
  },
  'kms.key': { unit: 'key-month', usd: same(1), offerCode: 'awskms', source: KMS, confidence: 'unverified' },
  'kms.requests': {
    unit: '10k requests',
    usd: same(0.03),
    offerCode: 'awskms',
    source: KMS,
    confidence: 'unverified',
  },
  'secrets.secret': {
    unit: 'secret-month',
    usd: same(0.4),
    offerCode: 'AWSSecretsManager',
    source: SECRETS,
    confidence: 'unverified',
    note: 'the RDS-managed master secret',
  },
  'scheduler.invocations': {
    unit: '1M invocations',
    usd: same(1),
    offerCode: 'AWSEvents',
    source: SCHEDULER,
    confidence: 'unverified',
    note: 'EventBridge Scheduler past its 14 M free invocations a month (not counted: no free tier here)',
  },
  'athena.scanned': {
    unit: 'TB scanned',
    usd: same(5),
    offerCode: 'AmazonAthena',
    source: ATHENA,
    confidence: 'unverified',
  },
} satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

export function isPriceRegion(region: string): region is PriceRegion {
  return (PRICE_REGIONS as readonly string[]).includes(region);
}

/** A flat price in `region`; throws for a tiered one (use `tieredCost`). */
export function unitPrice(id: PriceId, region: PriceRegion): number {
  const usd = (PRICES[id] as Price).usd[region];
  if (typeof usd !== 'number') throw new Error(`price ${id} is tiered: use tieredCost`);
  return usd;
}

/** The monthly cost of `quantity` units of a tiered price, each tier at its own rate. */
export function tieredCost(id: PriceId, region: PriceRegion, quantity: number): number {
  const usd = (PRICES[id] as Price).usd[region];
  if (typeof usd === 'number') return usd * quantity;
  let cost = 0;
  let from = 0;
  for (const tier of usd) {
    const inTier = Math.max(0, Math.min(quantity, tier.upTo) - from);
    cost += inTier * tier.usd;
    from = tier.upTo;
    if (quantity <= tier.upTo) break;
  }
  return cost;
}
