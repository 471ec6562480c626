import { describe, expect, it } from 'vitest';
import { createLagTracker } from './lag.ts';

describe('lag tracker', () => {
  it('counts acknowledged hits until a watermark passes their write, and ages the oldest', () => {
    const lag = createLagTracker();
    expect(lag.snapshot(0)).toEqual({ hits: 0, seconds: 0 });
    lag.written(10, 1_000);
    lag.written(5, 3_000);
    expect(lag.snapshot(4_000)).toEqual({ hits: 15, seconds: 3 });
    // A batch whose last record arrived at 2 s: the first write is in the lake, the second is not.
    lag.transformedThrough(2_000);
    expect(lag.snapshot(4_000)).toEqual({ hits: 5, seconds: 1 });
    lag.transformedThrough(3_000);
    expect(lag.snapshot(9_000)).toEqual({ hits: 0, seconds: 0 });
  });

  it('ignores a watermark older than the last, and writes at or before the watermark', () => {
    const lag = createLagTracker();
    lag.written(4, 1_000);
    lag.transformedThrough(5_000);
    lag.transformedThrough(2_000);
    lag.written(7, 4_000); // completed before a read that already found nothing after it
    expect(lag.snapshot(6_000)).toEqual({ hits: 0, seconds: 0 });
    lag.written(3, 6_000);
    expect(lag.snapshot(7_000)).toEqual({ hits: 3, seconds: 1 });
  });

  it('keeps its queue short for a long outage: writes 100 ms apart coalesce, ageing from the latest', () => {
    const lag = createLagTracker();
    for (let t = 0; t < 3_600_000; t += 10) lag.written(2, t);
    expect(lag.snapshot(3_600_000).hits).toBe(720_000);
    expect(lag.snapshot(3_600_000).seconds).toBe(3600);
    lag.transformedThrough(1_800_000);
    // Entries span 100 ms: one straddling the watermark stays whole (at most 20 hits too many).
    expect(lag.snapshot(3_600_000).hits).toBeLessThanOrEqual(360_000 + 20);
    expect(lag.snapshot(3_600_000).hits).toBeGreaterThanOrEqual(360_000 - 2);
    expect(lag.snapshot(3_600_000).seconds).toBeCloseTo(1800, 0);
    lag.transformedThrough(3_600_000);
    expect(lag.snapshot(3_600_000)).toEqual({ hits: 0, seconds: 0 });
  });
});
