import { describe, expect, it } from 'vitest';
import { createWindowLimiter } from './rate-limit.ts';

describe('createWindowLimiter', () => {
  it('spends a budget per key per minute and says how long to wait once it is spent', () => {
    let t = 1_000_000;
    const limiter = createWindowLimiter(3, () => t);
    expect([limiter.take('a', 1), limiter.take('a', 2)]).toEqual([0, 0]);
    t += 15_000;
    expect(limiter.take('a', 1)).toBe(45);
    expect(limiter.take('b', 3)).toBe(0); // another key has its own budget
    t += 45_000;
    expect(limiter.take('a', 3)).toBe(0); // a new window
  });

  it('refuses a spend larger than the whole budget without using any of it', () => {
    const limiter = createWindowLimiter(10, () => 0);
    expect(limiter.take('app', 11)).toBe(60);
    expect(limiter.take('app', 10)).toBe(0);
  });

  it('stays bounded: past maxKeys, ended windows go first and live ones keep their count', () => {
    let t = 0;
    const limiter = createWindowLimiter(1, () => t, 3);
    limiter.take('old', 1);
    t = 30_000;
    limiter.take('x', 1);
    limiter.take('y', 1);
    t = 61_000; // 'old' ended; 'x' and 'y' are still in their windows
    limiter.take('z', 1); // over the bound: 'old' is swept
    expect(limiter.take('x', 1)).toBeGreaterThan(0);
    expect(limiter.take('y', 1)).toBeGreaterThan(0);
    expect(limiter.take('old', 1)).toBe(0);
  });
});
