import { describe, expect, it } from 'vitest';
import { buildSchedule, percentile, summarize } from './percentiles.ts';

describe('percentiles of the open-loop generator', () => {
  it('uses nearest rank: every reported percentile is a latency a request really saw', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
  });

  it('lets one slow request in a hundred set p99 but not p90', () => {
    const s = summarize([...Array(99).fill(2), 400]);
    expect(s.p90).toBe(2);
    expect(s.p99).toBe(2);
    expect(s.max).toBe(400);
    const t = summarize([...Array(98).fill(2), 400, 400]);
    expect(t.p99).toBe(400);
  });

  it('sorts numerically, not as strings', () => {
    const s = summarize([10, 9, 100, 1]);
    expect(s.p50).toBe(9);
    expect(s.max).toBe(100);
    expect(s.mean).toBe(30);
    expect(s.count).toBe(4);
  });

  it('reports NaN, not zero, when nothing was answered', () => {
    const s = summarize([]);
    expect(s.count).toBe(0);
    expect(s.p99).toBeNaN();
  });

  it('rejects a percentile outside 0–100', () => {
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
  });
});

describe('open-loop schedule', () => {
  it('spaces requests evenly at the fixed rate, independent of responses', () => {
    const s = buildSchedule(5000, 2);
    expect(s.length).toBe(10_000);
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(0.2);
    expect(s[9999]).toBeCloseTo(1999.8);
  });

  it('refuses a zero rate', () => {
    expect(() => buildSchedule(0, 10)).toThrow(RangeError);
  });
});
