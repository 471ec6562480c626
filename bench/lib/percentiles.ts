/**
 * Latency statistics for the open-loop generator. Pure: the generator records one number per
 * request (ms from its intended send time to its response) and this turns them into figures.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile (the smallest value with at least p% of the samples at or below it),
 * so a reported p99 is always a latency some request actually saw. `sorted` must be ascending.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0–100, got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** The middle value (the mean of the two middle ones for an even count); undefined for none. */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

/**
 * The open-loop send schedule: request i is due at `i / rate` seconds after the start, whatever
 * happened to earlier requests. Latency counted from these times includes any queueing the server
 * causes (no coordinated omission). Offsets in ms.
 */
export function buildSchedule(ratePerSec: number, durationSec: number): Float64Array {
  if (!(ratePerSec > 0) || !(durationSec > 0)) throw new RangeError('rate and duration must be positive');
  const n = Math.floor(ratePerSec * durationSec);
  const out = new Float64Array(n);
  const gap = 1000 / ratePerSec;
  for (let i = 0; i < n; i++) out[i] = i * gap;
  return out;
}
