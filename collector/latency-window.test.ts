import { describe, expect, it } from 'vitest';
import { createLatencyWindow } from './latency-window.ts';

describe('latency window', () => {
  it('reports a quantile never below the true value and at most 5 % above it', () => {
    const w = createLatencyWindow({ now: () => 0 });
    // 1, 2, …, 1000 ms: the true p99 (nearest rank) is 990 ms, the median 500 ms.
    for (let ms = 1; ms <= 1000; ms++) w.observe(ms);
    expect(w.count()).toBe(1000);
    const p99 = w.quantileSeconds(0.99);
    expect(p99).toBeGreaterThanOrEqual(0.99);
    expect(p99).toBeLessThanOrEqual(0.99 * 1.05);
    const p50 = w.quantileSeconds(0.5);
    expect(p50).toBeGreaterThanOrEqual(0.5);
    expect(p50).toBeLessThanOrEqual(0.5 * 1.05);
    // One slow answer in fewer than a hundred is the p99.
    const few = createLatencyWindow({ now: () => 0 });
    for (let i = 0; i < 50; i++) few.observe(2);
    few.observe(250);
    expect(few.quantileSeconds(0.99)).toBeGreaterThanOrEqual(0.25);
  });

  it('forgets what is older than its window, and is 0 with nothing in it', () => {
    let t = 0;
    const w = createLatencyWindow({ windowMs: 60_000, slots: 6, now: () => t });
    expect(w.quantileSeconds(0.99)).toBe(0);
    for (let i = 0; i < 100; i++) w.observe(800);
    t = 30_000;
    for (let i = 0; i < 100; i++) w.observe(5);
    // Both minutes' halves are in the window: the slow half sets the p99.
    expect(w.quantileSeconds(0.99)).toBeGreaterThanOrEqual(0.8);
    // A minute after the slow answers, only the fast ones are left.
    t = 60_000;
    expect(w.count()).toBe(100);
    expect(w.quantileSeconds(0.99)).toBeLessThanOrEqual(0.005 * 1.05);
    t = 90_000;
    expect(w.count()).toBe(0);
    expect(w.quantileSeconds(0.99)).toBe(0);
  });

  it('reuses a slot after a pause longer than the window without counting its old values', () => {
    let t = 0;
    const w = createLatencyWindow({ windowMs: 60_000, slots: 6, now: () => t });
    w.observe(900);
    t = 60_000 * 10; // the same ring position ten windows later
    w.observe(3);
    expect(w.count()).toBe(1);
    expect(w.quantileSeconds(0.99)).toBeLessThanOrEqual(0.003 * 1.05);
  });
});
