import { describe, expect, it } from 'vitest';
import {
  ceilingSlopePerMinute,
  type ProcSample,
  rssTrendOnceConnected,
  slopePerMinute,
} from './rss-trend.ts';

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

  it('with connections shed (fds peak at the opening burst), counts only after the settle time', () => {
    // The 60-s run of 2026-12-05: heap sized up for ~18 s, then flat; fds highest at the start.
    const samples = run(40, 0.25, (t) => (t < 18 ? 540 + 5.5 * t : 597 + 15 * Math.sin(t * 2.1)));
    expect(rssTrendOnceConnected(samples)!.fromMs).toBe(250);
    const settled = rssTrendOnceConnected(samples, { settleMs: 15_000 })!;
    expect(settled.fromMs).toBe(15_000);
    expect(Math.abs(settled.bytes) / MiB).toBeLessThan(32);
    // Growth that goes on after the settle time is still growth.
    const leak = run(40, 0.25, (t) => 540 + 5.5 * t);
    expect(rssTrendOnceConnected(leak, { settleMs: 15_000 })!.bytes / MiB).toBeGreaterThan(32);
  });

  it('says nothing when the fds peak too late to leave a window', () => {
    expect(rssTrendOnceConnected(run(10, 9, () => 600))).toBeUndefined();
    expect(rssTrendOnceConnected([])).toBeUndefined();
  });
});

describe('slopePerMinute', () => {
  // 5-s samples over 5 minutes.
  const every5s = (f: (min: number) => number) =>
    Array.from({ length: 61 }, (_, i) => ({ tMs: i * 5000, value: f((i * 5) / 60) }));

  it('reads a steady leak through GC swings', () => {
    const slope = slopePerMinute(every5s((m) => 600 + 4 * m + 30 * Math.sin(m * 25)))!;
    expect(slope).toBeGreaterThan(2);
    expect(slope).toBeLessThan(6);
  });

  it('is near zero for a flat process and negative for a shrinking one', () => {
    expect(Math.abs(slopePerMinute(every5s((m) => 600 + 30 * Math.sin(m * 25)))!)).toBeLessThan(2);
    expect(slopePerMinute(every5s((m) => 600 - 10 * m))!).toBeCloseTo(-10, 6);
  });

  it('says nothing without enough samples spread in time', () => {
    expect(slopePerMinute([{ tMs: 0, value: 1 }])).toBeUndefined();
    expect(slopePerMinute([0, 1, 2].map((v) => ({ tMs: 5, value: v })))).toBeUndefined();
  });
});

describe('ceilingSlopePerMinute', () => {
  // 5-s samples over 9 minutes.
  const every5s = (f: (min: number) => number) =>
    Array.from({ length: 109 }, (_, i) => ({ tMs: i * 5000, value: f((i * 5) / 60) }));
  // The collector's RSS as measured: fills by ~25 MiB/min to a ceiling, then a GC returns 100 MiB.
  const sawtooth = (m: number, phase = 2) => Math.min(360, 260 + 25 * ((m + phase) % 4.5) * 2);
  const phases = Array.from({ length: 9 }, (_, i) => i / 2);

  it('reads a GC sawtooth around a ceiling as flat, where least squares over half the run does not', () => {
    const all = every5s(sawtooth);
    expect(Math.abs(ceilingSlopePerMinute(all)!)).toBeLessThan(2);
    expect(Math.abs(slopePerMinute(all.slice(all.length / 2))!)).toBeGreaterThan(2);
    // Wherever the drops fall.
    for (const p of phases)
      expect(Math.abs(ceilingSlopePerMinute(every5s((m) => sawtooth(m, p)))!)).toBeLessThan(2);
  });

  it('reads a steady leak through the same sawtooth, and a shrinking process as negative', () => {
    for (const p of phases) {
      const leak = ceilingSlopePerMinute(every5s((m) => sawtooth(m, p) + 5 * m))!;
      expect(leak).toBeGreaterThan(3);
      expect(leak).toBeLessThan(8);
    }
    expect(ceilingSlopePerMinute(every5s((m) => 600 - 10 * m))!).toBeCloseTo(-10, 6);
    expect(ceilingSlopePerMinute(every5s(() => 600).slice(0, 8))).toBeUndefined();
  });
});
