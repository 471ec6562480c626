import { describe, expect, it } from 'vitest';
import { medianUsBetween, parseReading, speedBetween, startCanary } from './cpu-canary.ts';

describe('cpu canary', () => {
  it("reads the child's lines and ignores anything else", () => {
    expect(parseReading('1796609451114 19 169.5\n')).toEqual({
      epochMs: 1796609451114,
      bursts: 19,
      medianUs: 169.5,
    });
    expect(parseReading('Warning: something')).toBeUndefined();
    expect(parseReading('')).toBeUndefined();
  });

  it('is 1 as calibrated and below 1 when the same work took longer', () => {
    const readings = [160, 170, 165, 330, 340, 320].map((medianUs, i) => ({
      epochMs: 1000 * i,
      bursts: 20,
      medianUs,
    }));
    expect(medianUsBetween(readings, 0, 3000)).toBe(165);
    expect(speedBetween(readings, 165, 0, 3000)).toBe(1);
    expect(speedBetween(readings, 165, 3000, 6000)).toBeCloseTo(0.5, 2);
    expect(speedBetween(readings, 165, 9000, 10_000)).toBeNull(); // no reading in the window
  });

  it('measures a core: calibrated, then read at about the same speed on an idle machine', async () => {
    const canary = startCanary('0');
    try {
      const baseline = await canary.calibrate(2);
      expect(baseline).toBeGreaterThan(0);
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 2100));
      const speed = canary.speed(from, Date.now());
      expect(speed).not.toBeNull();
      // Generous: CI machines are shared; a broken gauge reads 0, null or far off.
      expect(speed!).toBeGreaterThan(0.3);
      expect(speed!).toBeLessThan(3);
      expect(canary.readings.every((r) => r.bursts > 0)).toBe(true);
    } finally {
      canary.stop();
    }
  });
});
