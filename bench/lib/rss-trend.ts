/**
 * Whether a process's memory grows under sustained overload, from `/proc` samples. Pure.
 *
 * Only samples after every connection is open count (the first one at the peak open-fd count):
 * accepting connections costs memory, and under CPU saturation the last ones are accepted late.
 * Nor before `settleMs`: a collector that closes connections on its 503s never holds them all
 * at once (the fd peak is the opening burst), and V8 sizes its heap to a new load over the first
 * ~15–20 s (measured: 540 → 640 MiB by second 18, then 594–600 MiB to second 60). The figure
 * is a trend — the median of the window's last third minus the median of its first third — not
 * max minus first: V8 swings RSS by tens of MiB either way within seconds, which a
 * max-minus-first reads as growth in a flat process, while unbounded buffering still shows as a
 * rising trend.
 */
export interface ProcSample {
  tMs: number;
  rssBytes: number;
  fds: number;
}

export interface RssTrend {
  /** Last-third median minus first-third median, bytes (negative: shrinking). */
  bytes: number;
  /** Time of the window's first sample. */
  fromMs: number;
  samples: number;
}

const MIN_WINDOW = 9;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Undefined when fewer than 9 samples follow the fd peak and `settleMs` (the run was too short to tell). */
export function rssTrendOnceConnected(
  samples: readonly ProcSample[],
  opts: { settleMs?: number } = {},
): RssTrend | undefined {
  if (samples.length === 0) return undefined;
  const peakFds = Math.max(...samples.map((s) => s.fds));
  const settled = samples[0].tMs + (opts.settleMs ?? 0);
  const window = samples.slice(samples.findIndex((s) => s.fds >= peakFds)).filter((s) => s.tMs >= settled);
  const bytes = thirdsTrend(window.map((s) => s.rssBytes));
  return bytes === undefined ? undefined : { bytes, fromMs: window[0].tMs, samples: window.length };
}

/** Median of the last third minus median of the first third; undefined under 9 values. */
export function thirdsTrend(values: readonly number[]): number | undefined {
  if (values.length < MIN_WINDOW) return undefined;
  const third = Math.floor(values.length / 3);
  return median(values.slice(values.length - third)) - median(values.slice(0, third));
}

/**
 * Least-squares slope of `value` over time, per minute (bytes/min for RSS): how fast memory grows
 * over a long steady run, where the thirds trend would need the run's length to read. Undefined
 * under 3 samples or when they all share one time.
 */
export function slopePerMinute(samples: readonly { tMs: number; value: number }[]): number | undefined {
  if (samples.length < 3) return undefined;
  const n = samples.length;
  const mt = samples.reduce((a, s) => a + s.tMs, 0) / n;
  const mv = samples.reduce((a, s) => a + s.value, 0) / n;
  let cov = 0;
  let vart = 0;
  for (const s of samples) {
    cov += (s.tMs - mt) * (s.value - mv);
    vart += (s.tMs - mt) ** 2;
  }
  return vart === 0 ? undefined : (cov / vart) * 60_000;
}

/**
 * A trend per minute that GC swings do not move: how the ceiling RSS comes back to rises — the 90th
 * percentile of the last third of the samples minus that of the first third, over the time between
 * the thirds' middles. A long-running V8 process's RSS is a sawtooth (the old generation fills for
 * minutes, then a compacting GC returns ~100 MiB at once), which a least-squares line over part of
 * a run, or a median of a third that holds a refill, reads as a leak or a shrink depending on where
 * the drops fall; memory that is held for good raises every ceiling. Undefined under 9 samples.
 */
export function ceilingSlopePerMinute(
  samples: readonly { tMs: number; value: number }[],
): number | undefined {
  if (samples.length < MIN_WINDOW) return undefined;
  const third = Math.floor(samples.length / 3);
  const first = samples.slice(0, third);
  const last = samples.slice(samples.length - third);
  const p90 = (xs: readonly { value: number }[]) => {
    const v = xs.map((x) => x.value).sort((a, b) => a - b);
    return v[Math.min(v.length - 1, Math.floor(0.9 * v.length))];
  };
  const mid = (xs: readonly { tMs: number }[]) => (xs[0].tMs + xs[xs.length - 1].tMs) / 2;
  const span = mid(last) - mid(first);
  return span > 0 ? ((p90(last) - p90(first)) / span) * 60_000 : undefined;
}
