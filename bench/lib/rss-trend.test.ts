import { describe, expect, it } from 'vitest';
import { type ProcSample, rssTrendOnceConnected } from './rss-trend.ts';

const MiB = 2 ** 20;
/** 250 ms samples: fds ramp to 1,124 by `rampS`, RSS given per sample. */
const run = (seconds: number, rampS: number, rss: (t: number) => number): ProcSample[] =>
  Array.from({ length: seconds * 4 + 1 }, (_, i) => {
    const t = i / 4;
    return { tMs: t * 1000, rssBytes: rss(t) * MiB, fds: Math.round(200 + 924 * Math.min(1, t / rampS)) };
  });

describe('rssTrendOnceConnected', () => {
  it('ignores growth while connections are still being accepted, and GC swings after', () => {
    // +8 MiB per second while accepting, then ±50 MiB GC oscillation around a flat level.
    const samples = run(30, 14, (t) => (t < 14 ? 530 + 8 * t : 642 + 50 * Math.sin(t * 2.1)));
    const trend = rssTrendOnceConnected(samples)!;
    expect(trend.fromMs).toBe(14_000);
    expect(Math.abs(trend.bytes) / MiB).toBeLessThan(32);
  });

  it('reports growth that continues once every connection is open', () => {
    const samples = run(30, 10, (t) => 530 + 6 * t + 20 * Math.sin(t * 2.1));
    const trend = rssTrendOnceConnected(samples)!;
    expect(trend.bytes / MiB).toBeGreaterThan(32);
  });

  it('says nothing when the fds peak too late to leave a window', () => {
    expect(rssTrendOnceConnected(run(10, 9, () => 600))).toBeUndefined();
    expect(rssTrendOnceConnected([])).toBeUndefined();
  });
});
