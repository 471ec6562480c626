/**
 * The traffic and workload assumptions behind every quantity `alt cost` prints. Each says why it
 * has its value (a measurement in this repository, a figure from the stack, or a stated guess) so a
 * reader can tell which to replace with their own numbers (`alt cost --assume name=value`).
 */
import { CLOUDWATCH_COLLECTOR_METRICS, NLB_COLLECTOR_METRICS } from '../../collector/metric-names.ts';

export interface Assumption {
  value: number;
  why: string;
}

export const ASSUMPTIONS = {
  hoursPerMonth: { value: 730, why: 'AWS’s own month for hourly prices (8,760 h ÷ 12)' },
  hitsPerPageview: {
    value: 1,
    why: 'one pageview hit per page; custom events and Web Vitals add hits to the same request',
  },
  hitsPerRequest: {
    value: 1,
    why: 'browser beacons send one request per page; server-side /v1/batch (up to 500 hits a request) lowers every per-request line',
  },
  newConnectionsPerPageviewIdle60: {
    value: 0.5,
    why: 'TLS connections a pageview opens when idle connections close after 60 s (ALB): about half the pages of a session find the previous connection closed (the previous estimate’s 2,500 new connections/s at 5,000 hits/s)',
  },
  newConnectionsPerPageviewIdle350: {
    value: 0.4,
    why: 'if idle connections lasted 350 s a session’s pages would share one: 1 ÷ 2.5 pages per session. Between 60 and 350 s the model interpolates; behind an NLB a connection idles as long as the collector’s keep-alive (65 s: it closes first, well before the TLS listener’s fixed 350 s), so `scale` is priced close to the 60 s figure',
  },
  resumedHandshakeShare: {
    value: 0.25,
    why: 'share of new connections that resume a TLS 1.3 session (returning visitors) and skip the certificate: a guess',
  },
  serverHandshakeBytesRsa: {
    value: 5_336,
    why: 'server→client IP bytes of one connection with a full TLS 1.3 handshake and an ACM RSA-2048 certificate, measured (bench/experiments/tls-handshake-bytes.ts, OpenSSL 3 s_server/s_client, X25519, tshark on a 1,500-MTU loopback; median of 5; the server’s ACKs vary with timing, so a run lands ±52 B — one ACK — from another: 5,284 in a second run): SYN-ACK, ServerHello … Finished, two session tickets, the close, and their TCP/IP headers. The chain has ACM’s shape, generated (the real certificates are not on the machine): RSA leaf 1,518 B with 3 SCTs, “Amazon RSA 2048 M02” 1,119 B, “Amazon Root CA 1” cross-signed by Starfield Services G2 1,171 B (since August 2024 ACM no longer adds Starfield Services G2 cross-signed by Starfield Class 2, https://aws.amazon.com/blogs/security/acm-will-no-longer-cross-sign-certificates-with-starfield-class-2-starting-august-2024/). Check a live listener with `openssl s_client -connect <host>:443 -servername <host> </dev/null | grep "SSL handshake has read"` (TLS bytes only: this run’s 4,358)',
  },
  serverHandshakeBytesEcdsa: {
    value: 4_104,
    why: 'the same with an ACM ECDSA P-256 certificate, measured the same way: leaf 1,122 B, “Amazon ECDSA 256 M02” 724 B, “Amazon Root CA 3” cross-signed by the RSA-2048 Starfield Services G2 968 B (an RSA signature; the self-signed Amazon Root CA 3 browsers hold is 442 B). s_client reads 3,179 TLS bytes',
  },
  serverHandshakeBytesShortChain: {
    value: 2_914,
    why: 'the managed certificate (`alt:managedCertificate`, certificate `managed` in a shape): ECDSA P-256 leaf + one ECDSA P-384 intermediate shaped like Let’s Encrypt’s E7 under ISRG Root X2, not sent (leaf 931 B with 2 SCTs, intermediate 697 B), measured the same way: 1,190 B less than ACM’s ECDSA chain. s_client reads 1,988 TLS bytes. With `trustedRoot: "ISRG Root X1"` (E7 cross-signed by the RSA-4096 root, 1,114 B, for clients without X2): 3,281 B',
  },
  serverHandshakeBytesResumed: {
    value: 808,
    why: 'a resumed TLS 1.3 handshake (PSK from the first connection’s ticket; no certificate, one new ticket), measured the same way: 488 TLS bytes, the rest TCP/IP',
  },
  clientHandshakeBytes: {
    value: 840,
    why: 'client→server IP bytes of a connection’s handshake (ClientHello, Finished, ACKs, close), measured the same way: 755 B full, 1,098 B resumed (the ticket rides in the ClientHello), weighted by `resumedHandshakeShare`. Processed by the load balancer, not billed as egress',
  },
  requestBytes: {
    value: 800,
    why: 'a beacon POST on the wire: headers (user agent, referer, origin) and a ~300 B JSON hit',
  },
  responseBytes: {
    value: 187,
    why: 'the 202 answer on the wire: 113 B of HTTP as the collector sends it (measured on loopback and held to the collector by lib/cost/wire-bytes.integration.test.ts: status line, `access-control-allow-origin: *`, content-length: 0, Date; no body, no content-type, no vary, and no Connection / Keep-Alive headers, which an HTTP/1.1 browser does not need: collector/routes/context.ts `omitKeepAliveHeaders`), one TLS 1.3 record (+22 B: header, content type, AEAD tag) and one TCP/IP segment with timestamps (+52 B); the request’s ACK rides on it (it leaves within milliseconds, before a delayed ACK would). Was 235 with `connection: keep-alive` and `keep-alive: timeout=65`, 333 while the answer carried {"accepted":1}, its content-type, `vary: Origin` and the page’s origin echoed (259 B of HTTP for a 23-character origin), and before that an estimate of 300',
  },
  beaconScriptBytes: {
    value: 1_191,
    why: 'the hashed beacon script on the wire: 1,117 B of HTTP as the collector sends it with brotli (measured on loopback and held by lib/cost/wire-bytes.integration.test.ts: 865 B of body, 252 B of headers; no ETag, which an immutable name never uses, and no Connection / Keep-Alive), one TLS record (+22 B) and one TCP/IP segment (+52 B). Was 1,239 with the keep-alive headers, 1,274 with the ETag too (1,200 B of HTTP), and before that an estimate of 1,300',
  },
  revalidationBytes: { value: 300, why: 'a 304 answer to a conditional GET of b.js' },
  scriptColdCacheShare: {
    value: 0.2,
    why: 'share of pageviews whose browser lacks the script (first visits, evicted caches): about half the sessions are new, 2.5 pages each',
  },
  scriptOwnConnectionShare: {
    value: 0,
    why: 'share of script requests (cold caches, revalidations) that open a TLS connection of their own on the host that takes the beacon posts. None: the snippet fetches the script without credentials (crossorigin="anonymous", which SRI needs) and the beacon posts without them (keepalive fetch, credentials: \'omit\'), so the post reuses the script\'s connection. Measured in Chromium: a cold-cache page with the src snippet sends the script GET and the post on one connection, as inline sends its post on one (test/browser/beacon-inline.integration.test.ts; while the beacon posted with sendBeacon, which always sends credentials, they took two). Other engines not measured; by the specs and their code they share too: the Fetch Standard reuses a connection only for requests with the same network partition key, origin and credentials flag (https://fetch.spec.whatwg.org/#concept-connection-obtain), and the flag is false for both (https://fetch.spec.whatwg.org/#concept-http-network-or-cache-fetch: credentials mode "omit", or "same-origin" with a cross-origin response); Firefox keys its connections on whether they are anonymous (nsHttpConnectionInfo, https://searchfox.org/mozilla-central/source/netwerk/protocol/http/nsHttpConnectionInfo.cpp), and both are; WebKit gives both the same session and the same stored-credentials policy (https://github.com/WebKit/WebKit/blob/main/Source/WebKit/NetworkProcess/cocoa/NetworkSessionCocoa.mm). 1 prices a browser that kept them apart',
  },
  scriptRevalidateShare: {
    value: 0.6,
    why: 'with b.js cached 60 s, the other pageviews past a minute since the last fetch revalidate it (a request each); hashed b.<hash>.js never revalidates',
  },
  envelopeFixedBytes: {
    value: 350,
    why: 'per Kinesis record: envelope frame and the first hit gzip barely compresses (measured: 117 B/hit at 12 hits a record)',
  },
  envelopeBytesPerHit: {
    value: 75,
    why: 'gzip level 1 NDJSON per further hit (measured 71.6 B/hit at 500 hits a record, bench/experiments/lake-bytes-per-hit.ts)',
  },
  putsPerSecondPerCollector: {
    value: 400,
    why: 'at most 4 PutRecords in flight per collector (group commit, docs/collector.md) at ~10 ms each: above that, hits share records',
  },
  rawBytesPerRecordByte: {
    value: 1.006,
    why: 'raw/ keeps each stream record as base64 (4/3 the bytes) Huffman-coded back to ~6 bits a character: what the stream carried, +0.6 % (fit of bench/experiments/lake-bytes-per-hit.ts: 72.9 B/hit raw against 72.2 in the envelope at 500 hits a record, 129.5 against 118 at 12)',
  },
  rawLineBytes: {
    value: 130,
    why: 'raw/ per record besides its bytes: the JSON line with shard, sequence number and arrival time (same fit)',
  },
  parquetBytesPerHit: {
    value: 60,
    why: 'hits/ ZSTD Parquet: measured 28.9 B/hit on synthetic rows (bench/experiments/lake-bytes-per-hit.ts); doubled for real URLs, agents and ids',
  },
  peakToAverage: {
    value: 2,
    why: 'sizing (collectors, shards) for a daily peak when traffic is given per month; a sustained rate (--hits-per-second) is its own peak',
  },
  shardUtilisation: {
    value: 0.8,
    why: 'provisioned shards are sized to 80 % of their 1 MiB/s and 1,000 records/s',
  },
  lambdaFixedSeconds: {
    value: 0.5,
    why: 'per transformer batch: S3 PUTs, Aurora transaction, DuckDB setup on a warm container',
  },
  lambdaCpuSecondsPerHit: {
    value: 10e-6,
    why: 'transformer CPU per hit on one vCPU (≈ 4.7 µs core + 4.7 µs writer measured, docs/transformer.md); below 1,769 MB a Lambda has less than one vCPU',
  },
  lambdaPayloadBytes: {
    value: 6 * 1024 * 1024,
    why: 'an event source mapping hands a function at most 6 MB per batch',
  },
  compactionRunsPerHour: { value: 4, why: 'the compaction schedule: rate(15 minutes)' },
  compactionFixedSeconds: { value: 2, why: 'per compaction run: list hours, check ledger' },
  compactionCpuSecondsPerHit: {
    value: 2e-6,
    why: 'reading and rewriting an hour’s Parquet once (DuckDB), per hit',
  },
  auroraAcuBase: {
    value: 0.5,
    why: 'writer ACUs with the pipeline idle but connected (never pauses: the transformer connects every batch)',
  },
  auroraAcuPer1000HitsPerSecond: {
    value: 0.06,
    why: 'rollup upserts, measured: PostgreSQL’s own CPU is 26–30 µs a key upserted at 2,000–10,000 keys a batch (bench/experiments/rollup-server-cpu.ts, backend utime + stime; bench/results/rollup-server-cpu-2026-12-06.json). With a batch’s hits collapsing into at most a third as many keys (2,000 sites, a few dimension values each) that is ≤ 10 µs of server CPU a hit: 1 % of a vCPU per 1,000 hits/s, ×1.5 for WAL and checkpoints (not measured) = 1.5 %. An ACU is ~2 GiB “and corresponding CPU” (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.how-it-works.html), i.e. the memory-optimised ratio of 8 GiB a vCPU (db.r6g.large: 2 vCPUs, 16 GiB, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.Summary.html): 4 ACU a vCPU → 0.06 ACU per 1,000 hits/s. (It was 0.3, a guess: 2 ACU at 5,000 hits/s.)',
  },
  auroraIoPerBatch: {
    value: 100,
    why: 'Aurora I/O requests per transformer batch (one upsert transaction and its ledger row)',
  },
  auroraIoBaseMillions: { value: 1, why: 'registry reads, salts, background work per month' },
  auroraStorageBaseGb: { value: 2, why: 'schema, registry, WAL' },
  auroraStorageGbPerBillionHits: {
    value: 1,
    why: 'hits_hourly rows kept, per billion hits a month of history',
  },
  storageMonth: {
    value: 12,
    why: 'S3 and rollup storage are priced as in the 12th month of operation (hits/ is never expired)',
  },
  collectorLogMbPerInstanceDay: { value: 20, why: 'collector log lines and its Prometheus metrics as EMF' },
  lambdaLogBytesPerInvocation: {
    value: 1_500,
    why: 'START/END/REPORT lines, one summary line and EMF counts per batch',
  },
  auroraLogMbPerDay: { value: 10, why: 'the exported postgresql log' },
  collectorEmfMetrics: {
    value: CLOUDWATCH_COLLECTOR_METRICS.length,
    why: 'CLOUDWATCH_COLLECTOR_METRICS, one dimension set (AutoScalingGroupName)',
  },
  collectorNlbEmfMetrics: {
    value: NLB_COLLECTOR_METRICS.length,
    why: 'behind an NLB the agent also ships NLB_COLLECTOR_METRICS (request count, 4xx, 5xx, p99): the alarms and scaling the ALB’s own metrics serve otherwise',
  },
  agentMetricsPerInstance: {
    value: 2,
    why: 'CloudWatch agent disk and memory used_percent, per instance and once aggregated per group',
  },
  transformerEmfMetrics: { value: 12, why: 'ALT/Transformer Records by (outcome, reason) and by outcome' },
  alarms: {
    value: 13,
    why: 'the stack’s alarms: one per row of infra/components/monitoring-alarms.ts and the 404-spike anomaly band (monitoring.ts), behind either load balancer. The managed certificate’s renewer adds its errors alarm, priced on its own with it',
  },
  dashboards: { value: 1, why: 'the pipeline dashboard' },
  certificateRenewerGbSecondsPerMonth: {
    value: 30,
    why: 'the managed certificate’s renewer (256 MB): a daily DescribeCertificate that finds nothing to do (~1 s, 30 a month) and an ACME order every ~60 days (~60 s: DNS-01 through Route 53 waits for INSYNC and for the CA) ≈ 60 s a month ≈ 15 GB-s, doubled for cold starts',
  },
  athenaScansOfMonth: {
    value: 1,
    why: 'queries read about one month of Parquet a month (partition filters)',
  },
  kmsS3RequestShare: {
    value: 0.01,
    why: 'S3 bucket keys leave about one KMS call per hundred object requests',
  },
  kmsKinesisCallsPerHour: {
    value: 12,
    why: 'Kinesis reuses a data key per shard and client for about 5 minutes',
  },
  wafRules: {
    value: 6,
    why: 'rate-per-ip, three managed rule groups, pixel-query-size and query-size (infra/components/waf-rules.ts)',
  },
  idleGraceSeconds: {
    value: 30,
    why: 'a connection stays open this long past its last request on average, on top of the idle timeout (active-connection LCUs)',
  },
} satisfies Record<string, Assumption>;

export type AssumptionName = keyof typeof ASSUMPTIONS;
export type AssumptionValues = Record<AssumptionName, number>;

export function defaultAssumptions(): AssumptionValues {
  return Object.fromEntries(Object.entries(ASSUMPTIONS).map(([k, a]) => [k, a.value])) as AssumptionValues;
}
