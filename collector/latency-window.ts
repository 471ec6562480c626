/**
 * Response times over a sliding window, read as a quantile when `/metrics` is scraped: the source of
 * `alt_collector_request_latency_p99_seconds`, the collector's p99 when no ALB measures
 * `TargetResponseTime` for it (behind an NLB).
 *
 * Why not a prom-client histogram or summary: the CloudWatch agent drops Prometheus histograms and
 * keeps a summary's quantiles as the client reported them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContainerInsights-Prometheus-metrics-conversion.html),
 * so a quantile computed here is what reaches CloudWatch either way; prom-client's summary pushes
 * every observation into a t-digest per age bucket (1.7 µs a request measured here, ~4 % of a
 * request's ~40 µs of CPU), while this is a logarithm and an array increment (0.08 µs; reading the
 * quantile at a scrape, 30 µs).
 *
 * Values fall in logarithmic buckets 5 % wide from 10 µs to 100 s, and a quantile is reported as its
 * bucket's upper bound: never below the true value, at most 5 % above it. The window is a ring of
 * `slots` slices; a quantile covers the slices of the last `windowMs` (the current, partly filled
 * one included), so it sees between `windowMs − windowMs/slots` and `windowMs` of traffic.
 */

const MIN_MS = 0.01;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets from MIN_MS to 100 s: ceil(ln(100,000 ms / 0.01 ms) / ln 1.05) + 1. */
const BUCKETS = Math.ceil(Math.log(100_000 / MIN_MS) / LOG_GROWTH) + 1;

/** Upper bound (ms) of bucket `i`: MIN_MS × 1.05^i. */
const upperMs = (i: number) => MIN_MS * GROWTH ** i;

export interface LatencyWindow {
  /** One response time, in milliseconds. */
  observe(ms: number): void;
  /** The `q` quantile (0 < q ≤ 1) of the window, in seconds; 0 when the window saw no response. */
  quantileSeconds(q: number): number;
  /** Responses in the window. */
  count(): number;
}

export function createLatencyWindow(
  opts: { windowMs?: number; slots?: number; now?: () => number } = {},
): LatencyWindow {
  const windowMs = opts.windowMs ?? 60_000;
  const slots = opts.slots ?? 6;
  const now = opts.now ?? Date.now;
  const sliceMs = windowMs / slots;
  const counts = Array.from({ length: slots }, () => new Uint32Array(BUCKETS));
  /** The slice number (time ÷ sliceMs) each ring entry holds; -1: empty. */
  const sliceOf = new Float64Array(slots).fill(-1);

  /** The ring entries still inside the window at `slice`. */
  const live = (slice: number) => {
    const out: Uint32Array[] = [];
    for (let s = 0; s < slots; s++) if (sliceOf[s] > slice - slots) out.push(counts[s] as Uint32Array);
    return out;
  };

  const sum = (rings: Uint32Array[]) => {
    let total = 0;
    for (const c of rings) for (let i = 0; i < BUCKETS; i++) total += c[i] as number;
    return total;
  };

  return {
    observe(ms) {
      const slice = Math.floor(now() / sliceMs);
      const s = slice % slots;
      if (sliceOf[s] !== slice) {
        (counts[s] as Uint32Array).fill(0);
        sliceOf[s] = slice;
      }
      const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
      (counts[s] as Uint32Array)[i]++;
    },
    quantileSeconds(q) {
      const rings = live(Math.floor(now() / sliceMs));
      const total = sum(rings);
      if (total === 0) return 0;
      // The smallest value at or above a share q of the responses (nearest rank).
      const rank = Math.max(1, Math.ceil(q * total));
      let seen = 0;
      for (let i = 0; i < BUCKETS; i++) {
        for (const c of rings) seen += c[i] as number;
        if (seen >= rank) return upperMs(i) / 1000;
      }
      return upperMs(BUCKETS - 1) / 1000;
    },
    count: () => sum(live(Math.floor(now() / sliceMs))),
  };
}
