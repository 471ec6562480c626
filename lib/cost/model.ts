/**
 * The cost model: traffic (pageviews a month, or a sustained rate of hits) and a preset in, one
 * line item per billed quantity out, each priced from the dated table in `prices.ts`. Pure and
 * synchronous; `alt cost` prints it and `npm run generate` writes docs/operations.md's cost tables
 * from it. Quantities follow the traffic through the stack: browser → load balancer (or CloudFront)
 * → collector → Kinesis → transformer Lambda → S3 and Aurora, plus what runs whatever the traffic.
 */

import { KEEP_ALIVE_TIMEOUT_MS } from '../../collector/keep-alive.ts';
import { type AssumptionValues, defaultAssumptions } from './assumptions.ts';
import {
  ALB_IDLE_TIMEOUT_SECONDS,
  type CertificateSource,
  type LoadBalancerChoice,
  type LoadBalancerKind,
  PRESETS,
  type PresetName,
  type StackShape,
} from './presets.ts';
import { PRICES, type Price, type PriceId, type PriceRegion, tieredCost, unitPrice } from './prices.ts';

export interface EstimateInput {
  /** Exactly one of the two. */
  pageviewsPerMonth?: number;
  hitsPerSecond?: number;
  preset: PresetName;
  region: PriceRegion;
  assumptions?: Partial<AssumptionValues>;
  /** Price the preset with another load balancer than the one it builds (a lever). */
  loadBalancer?: LoadBalancerChoice;
  /**
   * How pages carry the beacon: `src` (default), the `<script src>` snippet, fetched by cold
   * caches (and revalidated, for an unhashed `b.js`); `inline` (`alt apps snippet --inline`), the
   * code inside the page, never fetched.
   */
  snippet?: SnippetKind;
  /** Price the preset with another certificate than the one it is priced for (presets.ts `certificate`). */
  certificate?: CertificateSource;
}

export type SnippetKind = 'src' | 'inline';
/** The assumptions about fetching the script, which an inline snippet makes 0. */
export const SCRIPT_FETCH_ASSUMPTIONS = ['scriptColdCacheShare', 'scriptRevalidateShare'] as const;

export interface LineItem {
  service: string;
  item: string;
  unit: string;
  quantity: number;
  /** USD per unit; for a tiered price, the average over the quantity. */
  unitPrice: number;
  monthly: number;
  priceId: PriceId;
  source: string;
}

export interface Estimate {
  preset: PresetName;
  region: PriceRegion;
  loadBalancer: 'alb' | 'nlb' | 'none';
  snippet: SnippetKind;
  traffic: {
    hitsPerMonth: number;
    hitsPerSecond: number;
    pageviewsPerMonth: number;
    requestsPerMonth: number;
    newConnectionsPerMonth: number;
    collectors: number;
    shards: number;
    kinesisRecordsPerSecond: number;
    transformerInvocationsPerMonth: number;
  };
  items: LineItem[];
  total: number;
  perMillionHits: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const TiB = 1024 ** 4;
const DAYS_PER_MONTH = 730 / 24;
/** Lambda gets one full vCPU at 1,769 MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). */
const MB_PER_VCPU = 1769;

export function estimate(input: EstimateInput): Estimate {
  const base = PRESETS[input.preset] as StackShape;
  if (input.certificate === 'managed' && base.ingestThroughCdn)
    throw new Error(
      `the managed certificate is the load balancer's: ${input.preset} takes beacon posts through CloudFront, whose certificate (cdnCertificateArn) browsers see`,
    );
  const preset: StackShape =
    input.certificate === undefined || input.certificate === base.certificate
      ? base
      : // The managed certificate is always ECDSA P-256; back on ACM, the preset's key stays.
        {
          ...base,
          certificate: input.certificate,
          certificateKey: input.certificate === 'managed' ? 'ecdsa' : base.certificateKey,
        };
  const choice: LoadBalancerChoice = input.loadBalancer ?? preset.loadBalancer;
  if (choice !== 'cheapest' || preset.waf)
    return build(input, withLoadBalancer(preset, choice === 'nlb' && !preset.waf ? 'nlb' : 'alb'));
  // The "load balancer type chosen by price at the rate": price both, keep the cheaper.
  const alb = build(input, withLoadBalancer(preset, 'alb'));
  const nlb = build(input, withLoadBalancer(preset, 'nlb'));
  return nlb.total < alb.total ? nlb : alb;
}

/**
 * The shape with `lb` in front. A preset priced with the other load balancer (a lever) keeps what
 * differs between the two consistent: the idle time a connection gets is the ALB's idle timeout
 * behind the ALB, the collector's keep-alive behind an NLB (presets.ts `idleTimeoutSeconds`).
 */
function withLoadBalancer(shape: StackShape, lb: LoadBalancerKind): StackShape {
  if (shape.loadBalancer === lb) return shape;
  return {
    ...shape,
    loadBalancer: lb,
    idleTimeoutSeconds: lb === 'alb' ? ALB_IDLE_TIMEOUT_SECONDS : KEEP_ALIVE_TIMEOUT_MS / 1000,
  };
}

function build(input: EstimateInput, shape: StackShape): Estimate {
  const lb = shape.loadBalancer;
  const snippet = input.snippet ?? 'src';
  const a = { ...defaultAssumptions(), ...input.assumptions };
  // The inline beacon is part of the page: no browser fetches or revalidates a script.
  if (snippet === 'inline') for (const name of SCRIPT_FETCH_ASSUMPTIONS) a[name] = 0;
  const region = input.region;
  const hoursPerMonth = a.hoursPerMonth;
  const secondsPerMonth = hoursPerMonth * 3600;
  if ((input.pageviewsPerMonth === undefined) === (input.hitsPerSecond === undefined))
    throw new Error('give exactly one of pageviewsPerMonth and hitsPerSecond');
  const sustained = input.hitsPerSecond !== undefined;
  const hitsPerMonth = sustained
    ? (input.hitsPerSecond as number) * secondsPerMonth
    : (input.pageviewsPerMonth as number) * a.hitsPerPageview;
  if (!(hitsPerMonth >= 0) || !Number.isFinite(hitsPerMonth))
    throw new Error('traffic must be a finite number ≥ 0');
  const rate = hitsPerMonth / secondsPerMonth;
  const peak = sustained ? 1 : a.peakToAverage;
  const pageviews = hitsPerMonth / a.hitsPerPageview;
  const requests = hitsPerMonth / a.hitsPerRequest;

  const items: LineItem[] = [];
  const add = (service: string, item: string, priceId: PriceId, quantity: number) => {
    const price = PRICES[priceId] as Price;
    const tiered = typeof price.usd[region] !== 'number';
    const monthly = tiered ? tieredCost(priceId, region, quantity) : unitPrice(priceId, region) * quantity;
    items.push({
      service,
      item,
      unit: price.unit,
      quantity,
      unitPrice: tiered
        ? quantity > 0
          ? monthly / quantity
          : tieredCost(priceId, region, 1)
        : unitPrice(priceId, region),
      monthly,
      priceId,
      source: price.source,
    });
  };
  /** Quantities priced per 1k / 10k / 1M units. */
  const per = (n: number, unit: number) => n / unit;

  // ---- The browser side: connections, handshakes, bytes on the wire ----
  const idle = shape.idleTimeoutSeconds;
  // Longer-lived connections serve more of a session's pages: interpolate between the two assumptions.
  const reuse = Math.min(1, Math.max(0, (idle - 60) / (350 - 60)));
  const newConnPerPageview =
    a.newConnectionsPerPageviewIdle60 +
    reuse * (a.newConnectionsPerPageviewIdle350 - a.newConnectionsPerPageviewIdle60);
  const managedCertificate = shape.certificate === 'managed';
  const fullHandshake = managedCertificate
    ? a.serverHandshakeBytesShortChain
    : shape.certificateKey === 'ecdsa'
      ? a.serverHandshakeBytesEcdsa
      : a.serverHandshakeBytesRsa;
  const certificateLabel = managedCertificate
    ? 'managed ECDSA, leaf + 1 intermediate'
    : `${shape.certificateKey.toUpperCase()} ACM`;
  const handshakeBytes =
    (1 - a.resumedHandshakeShare) * fullHandshake + a.resumedHandshakeShare * a.serverHandshakeBytesResumed;
  // The beacon script: hashed and immutable → only cold caches fetch it; b.js (60 s) → most revalidate.
  const scriptRequests =
    pageviews * (a.scriptColdCacheShare + (shape.beaconHashed ? 0 : a.scriptRevalidateShare));
  const scriptBytes =
    pageviews *
    (a.scriptColdCacheShare * a.beaconScriptBytes +
      (shape.beaconHashed ? 0 : a.scriptRevalidateShare * a.revalidationBytes));
  // Script requests to the host that takes the posts, on a connection of their own: none where the
  // two share one (`scriptOwnConnectionShare`, see its `why`). A script on its own hostname is
  // priced below, with CloudFront.
  const scriptSharesHost = shape.beaconFrom === 'collector' || shape.ingestThroughCdn;
  const scriptConnections = scriptSharesHost ? scriptRequests * a.scriptOwnConnectionShare : 0;
  const newConnections = pageviews * newConnPerPageview + scriptConnections;
  const ingestHandshakeBytes = newConnections * handshakeBytes;
  const ingestOutBytes = requests * a.responseBytes;

  // ---- Load balancer ----
  // Behind CloudFront the load balancer sees CloudFront's pooled connections: no per-visitor handshakes.
  const lbNewConnPerSec = shape.ingestThroughCdn ? 0 : newConnections / secondsPerMonth;
  const lbBytes =
    requests * (a.requestBytes + a.responseBytes) +
    (shape.ingestThroughCdn ? 0 : newConnections * (handshakeBytes + a.clientHandshakeBytes)) +
    (shape.beaconFrom === 'collector' ? scriptBytes : 0);
  const lbGbPerHour = lbBytes / GiB / hoursPerMonth;
  const activeConnections = lbNewConnPerSec * (idle + a.idleGraceSeconds);
  const lbName = lb === 'alb' ? 'Application Load Balancer' : 'Network Load Balancer (TLS listener)';
  add('Load balancer', `${lbName}, hours`, lb === 'alb' ? 'elb.alb-hour' : 'elb.nlb-hour', hoursPerMonth);
  const capacityUnits =
    lb === 'alb'
      ? Math.max(lbNewConnPerSec / 25, activeConnections / 3000, lbGbPerHour)
      : Math.max(lbNewConnPerSec / 50, activeConnections / 3000, lbGbPerHour);
  add(
    'Load balancer',
    lb === 'alb'
      ? `LCUs: max(${round(lbNewConnPerSec)} new conn/s ÷ 25, ${round(activeConnections)} active ÷ 3,000, ${round(lbGbPerHour)} GB/h)`
      : `NLCUs: max(${round(lbNewConnPerSec)} new TLS conn/s ÷ 50, ${round(activeConnections)} active ÷ 3,000, ${round(lbGbPerHour)} GB/h)`,
    lb === 'alb' ? 'elb.alb-lcu' : 'elb.nlb-nlcu',
    capacityUnits * hoursPerMonth,
  );
  add(
    'Load balancer',
    `public IPv4 addresses (one per AZ × ${shape.availabilityZones})`,
    'vpc.public-ipv4',
    shape.availabilityZones * hoursPerMonth,
  );

  // ---- Data transfer out of the region to browsers ----
  if (!shape.ingestThroughCdn) {
    add('Data transfer out', 'beacon responses (202 + framing)', 'ec2.data-out', ingestOutBytes / GiB);
    add(
      'Data transfer out',
      `TLS handshakes (${certificateLabel} certificate, ${round(pageviews > 0 ? newConnections / pageviews : newConnPerPageview)} new connections a pageview${scriptConnections > 0 ? ', script fetches’ own included' : ''})`,
      'ec2.data-out',
      ingestHandshakeBytes / GiB,
    );
  }
  if (shape.beaconFrom === 'collector' && scriptRequests > 0)
    add(
      'Data transfer out',
      `beacon script from the collector (${shape.beaconHashed ? 'b.<hash>.js, immutable' : 'b.js, 60 s'})`,
      'ec2.data-out',
      scriptBytes / GiB,
    );
  mergeTiered(items, 'ec2.data-out', region);

  // ---- WAF ----
  const wafOnCdn = shape.waf && shape.ingestThroughCdn;
  if (shape.waf) {
    add('WAF', `web ACL (${wafOnCdn ? 'CloudFront' : 'regional'})`, 'waf.web-acl', 1);
    add('WAF', 'rules and managed rule groups', 'waf.rule', a.wafRules);
    const scriptsInspected = wafOnCdn && shape.beaconFrom === 'cdn' && scriptRequests > 0;
    const inspected = requests + (scriptsInspected ? scriptRequests : 0);
    add(
      'WAF',
      `requests inspected${scriptsInspected ? ' (beacon posts and script requests)' : ''}`,
      'waf.requests',
      per(inspected, 1e6),
    );
  }

  // ---- CloudFront ----
  const scriptsThroughCdn = shape.beaconFrom === 'cdn' && scriptRequests > 0;
  if (shape.ingestThroughCdn || scriptsThroughCdn) {
    const cdnRequests = (shape.ingestThroughCdn ? requests : 0) + (scriptsThroughCdn ? scriptRequests : 0);
    add(
      'CloudFront',
      `HTTPS requests (${shape.ingestThroughCdn ? (scriptsThroughCdn ? 'beacon posts and script fetches' : 'beacon posts') : 'script fetches'})`,
      'cloudfront.https-requests',
      per(cdnRequests, 1e4),
    );
    if (shape.ingestThroughCdn) {
      add('CloudFront', 'data out: beacon responses', 'cloudfront.data-out', ingestOutBytes / GiB);
      add(
        'CloudFront',
        `data out: TLS handshakes (${certificateLabel})`,
        'cloudfront.data-out',
        ingestHandshakeBytes / GiB,
      );
      add(
        'CloudFront',
        'data to origin: beacon posts to the ALB',
        'cloudfront.data-to-origin',
        (requests * a.requestBytes) / GiB,
      );
    }
    if (scriptsThroughCdn) {
      // A script on its own hostname needs its own connections when ingest goes elsewhere.
      const scriptHandshakes = shape.ingestThroughCdn ? 0 : scriptRequests * handshakeBytes;
      add(
        'CloudFront',
        'data out: beacon script',
        'cloudfront.data-out',
        (scriptBytes + scriptHandshakes) / GiB,
      );
    }
    mergeTiered(items, 'cloudfront.data-out', region);
  }

  // ---- Collectors ----
  const c = shape.collector;
  const collectors =
    c.targetRequestsPerSecond > 0
      ? Math.max(c.minSize, Math.ceil((rate * peak) / a.hitsPerRequest / c.targetRequestsPerSecond))
      : c.minSize;
  add(
    'EC2 collectors',
    `${c.instanceType.slice(4)} × ${collectors}`,
    c.instanceType,
    collectors * hoursPerMonth,
  );
  if (c.publicIp)
    add(
      'EC2 collectors',
      `public IPv4 address per collector × ${collectors}`,
      'vpc.public-ipv4',
      collectors * hoursPerMonth,
    );
  add(
    'EC2 collectors',
    `gp3 volumes: ${c.rootVolumeGiB} GiB root + ${c.spoolVolumeGiB} GiB spool, × ${collectors}`,
    'ebs.gp3',
    collectors * (c.rootVolumeGiB + c.spoolVolumeGiB),
  );

  // ---- Kinesis ----
  // Group commit: a quiet collector puts each hit on its own; a busy one shares records among hits.
  const recordsPerSec = Math.min(rate, collectors * a.putsPerSecondPerCollector);
  const hitsPerRecord = recordsPerSec > 0 ? rate / recordsPerSec : 1;
  const recordBytes = a.envelopeFixedBytes + a.envelopeBytesPerHit * hitsPerRecord;
  const records = recordsPerSec * secondsPerMonth;
  const streamBytes = records * recordBytes;
  const peakBytesPerSec = (streamBytes / secondsPerMonth) * peak;
  const peakRecordsPerSec = recordsPerSec * peak;
  const neededShards = Math.max(peakBytesPerSec / MiB, peakRecordsPerSec / 1000);
  const s = shape.stream;
  const shards =
    s.mode === 'provisioned'
      ? Math.max(1, Math.ceil(neededShards / a.shardUtilisation))
      : Math.max(4, Math.ceil(neededShards)); // on-demand starts at 4 MiB/s of write capacity
  if (s.mode === 'provisioned') {
    add(
      'Kinesis',
      `provisioned, ${shards} shard${shards === 1 ? '' : 's'}`,
      'kinesis.shard-hour',
      shards * hoursPerMonth,
    );
    add(
      'Kinesis',
      `PUT payload units (${round(hitsPerRecord)} hits a record of ${round(recordBytes)} B)`,
      'kinesis.put-payload-units',
      per(records * Math.ceil(recordBytes / (25 * 1024)), 1e6),
    );
    if (s.retentionHours > 24)
      add(
        'Kinesis',
        `retention ${s.retentionHours} h (past 24 h)`,
        'kinesis.extended-retention-shard-hour',
        shards * hoursPerMonth,
      );
  } else {
    const ingestGb = (records * Math.ceil(recordBytes / 1024) * 1024) / GiB;
    add('Kinesis', 'on-demand stream', 'kinesis.od-stream-hour', hoursPerMonth);
    add(
      'Kinesis',
      `data in (${round(hitsPerRecord)} hits a record, rounded up to 1 KB)`,
      'kinesis.od-ingest-gb',
      ingestGb,
    );
    add('Kinesis', 'data out to the transformer', 'kinesis.od-retrieve-gb', ingestGb);
    if (s.retentionHours > 24)
      add(
        'Kinesis',
        `retention ${s.retentionHours} h (GB held past 24 h)`,
        'kinesis.od-retention-gb-month',
        (ingestGb / hoursPerMonth) * (Math.min(s.retentionHours, 168) - 24),
      );
  }

  // ---- Transformer and compaction (Lambda, Arm) ----
  const t = shape.transformer;
  const perShardRecords = recordsPerSec / shards;
  const perShardBytes = streamBytes / secondsPerMonth / shards;
  // A batch closes at the window, at batchSize records or at the 6 MB payload limit, whichever first.
  const batchesPerSecPerShard =
    rate > 0
      ? Math.max(
          1 / t.batchingWindowSeconds,
          perShardRecords / t.batchSize,
          perShardBytes / a.lambdaPayloadBytes,
        )
      : 0;
  const invocations = batchesPerSecPerShard * shards * secondsPerMonth;
  const hitsPerInvocation = invocations > 0 ? hitsPerMonth / invocations : 0;
  const slowdown = Math.max(1, MB_PER_VCPU / t.memoryMb);
  const seconds = a.lambdaFixedSeconds + hitsPerInvocation * a.lambdaCpuSecondsPerHit * slowdown;
  const gb = t.memoryMb / 1024;
  add(
    'Lambda',
    `transformer: ${round(invocations)} batches × ${round(seconds)} s × ${round(gb)} GB`,
    'lambda.arm-gb-second',
    invocations * seconds * gb,
  );
  add('Lambda', 'transformer invocations', 'lambda.requests', per(invocations, 1e6));
  const compactions = a.compactionRunsPerHour * hoursPerMonth;
  const compactSeconds =
    compactions * a.compactionFixedSeconds + hitsPerMonth * a.compactionCpuSecondsPerHit * slowdown;
  add('Lambda', 'compaction (every 15 minutes)', 'lambda.arm-gb-second', compactSeconds * gb);
  add('Lambda', 'compaction invocations', 'lambda.requests', per(compactions, 1e6));
  // The managed certificate's renewer: once a day, an ACME order every ~60 days.
  const renewerRuns = managedCertificate ? DAYS_PER_MONTH : 0;
  if (managedCertificate) {
    add(
      'Lambda',
      'certificate renewer (daily)',
      'lambda.arm-gb-second',
      a.certificateRenewerGbSecondsPerMonth,
    );
    add('Lambda', 'certificate renewer invocations', 'lambda.requests', per(renewerRuns, 1e6));
  }

  // ---- S3 lake ----
  const months = a.storageMonth;
  const hitsGbMonth = (hitsPerMonth * a.parquetBytesPerHit) / GiB;
  // raw/ is the stream's records as they were (transformer/lake/raw.ts): its size follows theirs.
  const rawGbMonth = (records * (recordBytes * a.rawBytesPerRecordByte + a.rawLineBytes)) / GiB;
  const L = shape.lake;
  if (L.hitsStorage === 'standard') {
    add(
      'S3',
      `hits/ Parquet, ${months} months (${round(hitsGbMonth)} GB a month)`,
      's3.standard',
      hitsGbMonth * months,
    );
  } else {
    // Intelligent-Tiering: unread 30 days → infrequent tier, 90 days → archive instant tier.
    add(
      'S3',
      'hits/ Intelligent-Tiering, frequent (this month)',
      's3.standard',
      hitsGbMonth * Math.min(1, months),
    );
    add(
      'S3',
      'hits/ Intelligent-Tiering, infrequent (1–3 months old)',
      's3.standard-ia',
      hitsGbMonth * Math.min(2, Math.max(0, months - 1)),
    );
    add(
      'S3',
      'hits/ Intelligent-Tiering, archive instant (older)',
      's3.glacier-ir',
      hitsGbMonth * Math.max(0, months - 3),
    );
    const filesPerHour = Math.max(1, Math.ceil((hitsGbMonth * GiB) / hoursPerMonth / (128 * MiB)));
    add(
      'S3',
      'Intelligent-Tiering monitoring (compacted hourly files)',
      's3.it-monitoring',
      per(months * hoursPerMonth * filesPerHour, 1e3),
    );
    // The lifecycle rule moves only files a day old and over 128 KB: compaction has replaced the
    // batch files by then, and Intelligent-Tiering would not monitor smaller ones.
    add(
      'S3',
      'lifecycle transitions to Intelligent-Tiering (compacted files)',
      's3.transition-it',
      per(hoursPerMonth * filesPerHour, 1e3),
    );
  }
  add(
    'S3',
    `hits/ noncurrent versions replaced by compaction (${L.noncurrentVersionExpireDays} days)`,
    's3.standard',
    (hitsGbMonth * L.noncurrentVersionExpireDays) / DAYS_PER_MONTH,
  );
  const rawSpan = Math.min(
    L.rawExpireDays > 0 ? L.rawExpireDays : Number.POSITIVE_INFINITY,
    months * DAYS_PER_MONTH,
  );
  const inRange = (from: number, to: number) => Math.max(0, Math.min(to, rawSpan) - from);
  const rawStd = inRange(0, L.rawStandardDays);
  const rawIa = inRange(L.rawStandardDays, L.rawStandardDays + L.rawIaDays);
  const rawGir = inRange(L.rawStandardDays + L.rawIaDays, Number.POSITIVE_INFINITY);
  add(
    'S3',
    `raw/ gzip NDJSON in Standard (${L.rawStandardDays} days)`,
    's3.standard',
    (rawGbMonth * rawStd) / DAYS_PER_MONTH,
  );
  if (rawIa > 0)
    add(
      'S3',
      `raw/ in Standard-IA (to day ${L.rawStandardDays + L.rawIaDays})`,
      's3.standard-ia',
      (rawGbMonth * rawIa) / DAYS_PER_MONTH,
    );
  if (rawGir > 0)
    add(
      'S3',
      `raw/ in Glacier IR (to day ${round(Math.min(rawSpan, L.rawExpireDays || rawSpan))})`,
      's3.glacier-ir',
      (rawGbMonth * rawGir) / DAYS_PER_MONTH,
    );
  const compactedFiles =
    hoursPerMonth * Math.max(1, Math.ceil((hitsGbMonth * GiB) / hoursPerMonth / (128 * MiB)));
  add(
    'S3',
    'PUT/LIST: raw + Parquet per batch, compacted files, compaction listings',
    's3.put',
    per(invocations * 2 + compactedFiles + compactions, 1e3),
  );
  add('S3', 'GET: compaction reads each batch file', 's3.get', per(invocations, 1e3));
  if (rawIa > 0)
    add('S3', 'lifecycle transitions to Standard-IA (raw/)', 's3.transition-ia', per(invocations, 1e3));
  if (rawGir > 0)
    add('S3', 'lifecycle transitions to Glacier IR (raw/)', 's3.transition-gir', per(invocations, 1e3));

  // ---- Aurora Serverless v2 ----
  const au = shape.aurora;
  const writerAcu = Math.max(
    au.minCapacity,
    a.auroraAcuBase + (a.auroraAcuPer1000HitsPerSecond * rate) / 1000,
  );
  add('Aurora', `writer at ${round(writerAcu)} ACU`, 'aurora.acu-hour', writerAcu * hoursPerMonth);
  const readers = au.instances - 1;
  if (readers > 0) {
    const readerAcu = au.readersFollowWriter ? writerAcu : au.minCapacity;
    add(
      'Aurora',
      `${readers} reader${readers > 1 ? 's' : ''} at ${round(readerAcu)} ACU (${au.readersFollowWriter ? 'promotion tier 0–1: follows the writer' : 'tier 2+: own minimum'})`,
      'aurora.acu-hour',
      readers * readerAcu * hoursPerMonth,
    );
  }
  add(
    'Aurora',
    'storage (rollups, registry)',
    'aurora.storage',
    a.auroraStorageBaseGb + (a.auroraStorageGbPerBillionHits * months * hitsPerMonth) / 1e9,
  );
  add(
    'Aurora',
    'I/O requests',
    'aurora.io',
    a.auroraIoBaseMillions + (invocations * a.auroraIoPerBatch) / 1e6,
  );

  // ---- VPC interface endpoints ----
  const e = shape.endpoints;
  const endpointAzs = e.perAz ? shape.availabilityZones : 1;
  add(
    'VPC endpoints',
    `interface endpoints: ${e.services.join(', ')} × ${endpointAzs} AZ`,
    'vpce.interface-hour',
    e.services.length * endpointAzs * hoursPerMonth,
  );
  const collectorLogGb = (collectors * a.collectorLogMbPerInstanceDay * DAYS_PER_MONTH) / 1024;
  // A public collector talks to Kinesis and CloudWatch through their public endpoints (no charge in-region).
  const endpointGb = c.publicIp ? 0 : streamBytes / GiB + collectorLogGb;
  if (endpointGb > 0)
    add('VPC endpoints', 'data processed (PutRecords, collector logs)', 'vpce.data', endpointGb);
  if (endpointGb > 0 && e.perAz && endpointAzs > 1)
    add(
      'VPC endpoints',
      `cross-AZ to endpoint ENIs (${endpointAzs - 1} in ${endpointAzs} calls)`,
      'ec2.cross-az',
      (endpointGb * (endpointAzs - 1)) / endpointAzs,
    );

  // ---- CloudWatch ----
  const metrics =
    a.collectorEmfMetrics +
    (lb === 'nlb' ? a.collectorNlbEmfMetrics : 0) +
    a.agentMetricsPerInstance * (collectors + 1) +
    a.transformerEmfMetrics +
    s.shardLevelMetrics * shards;
  add(
    'CloudWatch',
    `custom metrics (collector EMF${lb === 'nlb' ? ' with its request metrics' : ''}, agent, transformer EMF${s.shardLevelMetrics ? ', Kinesis shard-level' : ''})`,
    'cloudwatch.metric',
    metrics,
  );
  add(
    'CloudWatch',
    managedCertificate ? 'alarms (the certificate renewer’s errors included)' : 'alarms',
    'cloudwatch.alarm',
    a.alarms + (managedCertificate ? 1 : 0),
  );
  add('CloudWatch', 'dashboard', 'cloudwatch.dashboard', a.dashboards);
  const logGb =
    collectorLogGb +
    ((invocations + compactions + renewerRuns) * a.lambdaLogBytesPerInvocation) / GiB +
    (a.auroraLogMbPerDay * DAYS_PER_MONTH) / 1024;
  add('CloudWatch', 'logs ingested (collector, Lambdas, postgresql)', 'cloudwatch.logs-ingest', logGb);
  add(
    'CloudWatch',
    `logs stored (${shape.logRetentionDays} days)`,
    'cloudwatch.logs-storage',
    (logGb * shape.logRetentionDays) / DAYS_PER_MONTH,
  );

  // ---- KMS, Secrets Manager, Scheduler, Athena ----
  add('KMS', 'customer-managed keys (stream, lake, Aurora, alarm topic)', 'kms.key', shape.kmsKeys);
  const kmsCalls =
    (collectors + shards) * shards * a.kmsKinesisCallsPerHour * hoursPerMonth +
    (invocations * 3 + compactedFiles) * a.kmsS3RequestShare;
  add('KMS', 'requests (Kinesis data keys, S3 bucket keys)', 'kms.requests', per(kmsCalls, 1e4));
  add(
    'Secrets Manager',
    managedCertificate ? 'Aurora master secret, ACME account key' : 'Aurora master secret',
    'secrets.secret',
    managedCertificate ? 2 : 1,
  );
  add(
    'EventBridge Scheduler',
    managedCertificate
      ? 'compaction and certificate-renewal schedule invocations'
      : 'compaction schedule invocations',
    'scheduler.invocations',
    per(compactions + renewerRuns, 1e6),
  );
  add(
    'Athena',
    'queries scanning about a month of Parquet',
    'athena.scanned',
    (hitsPerMonth * a.parquetBytesPerHit * a.athenaScansOfMonth) / TiB,
  );

  const total = items.reduce((sum, i) => sum + i.monthly, 0);
  return {
    preset: input.preset,
    region,
    loadBalancer: lb,
    snippet,
    traffic: {
      hitsPerMonth,
      hitsPerSecond: rate,
      pageviewsPerMonth: pageviews,
      requestsPerMonth: requests,
      newConnectionsPerMonth: newConnections,
      collectors,
      shards,
      kinesisRecordsPerSecond: recordsPerSec,
      transformerInvocationsPerMonth: invocations,
    },
    items,
    total,
    perMillionHits: hitsPerMonth > 0 ? total / (hitsPerMonth / 1e6) : 0,
  };
}

/**
 * A tiered price falls with the month's whole quantity, not each line's: re-price the lines of
 * `id` so their sum is the tiered cost of their total, split in proportion to quantity.
 */
function mergeTiered(items: LineItem[], id: PriceId, region: PriceRegion): void {
  const lines = items.filter((i) => i.priceId === id);
  const quantity = lines.reduce((s, i) => s + i.quantity, 0);
  if (quantity === 0) return;
  const average = tieredCost(id, region, quantity) / quantity;
  for (const line of lines) {
    line.unitPrice = average;
    line.monthly = line.quantity * average;
  }
}

function round(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}
