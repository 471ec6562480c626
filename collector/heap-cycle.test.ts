import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { dueForCycle, startHeapCycle } from './heap-cycle.ts';

/** Major collections V8 reports while `fn` runs. */
async function majorsDuring(fn: () => Promise<void>): Promise<number> {
  let majors = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        majors++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await fn();
    // gc entries arrive on a later tick than the collection.
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    observer.disconnect();
  }
  return majors;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn(warnings, cycle)` with a heap cycle of `periodMs` and the process's warnings collected. */
async function withCycle(
  periodMs: number,
  fn: (warnings: string[], cycle: ReturnType<typeof startHeapCycle>) => Promise<void>,
): Promise<void> {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const cycle = startHeapCycle({ periodMs });
  try {
    await fn(warnings, cycle);
  } finally {
    cycle.stop();
    process.off('warning', onWarning);
  }
}

describe('heap cycle', () => {
  it('is due once a period has passed without a major collection, and never twice at once', () => {
    expect(dueForCycle(120_000, 0, 120_000, false)).toBe(true);
    expect(dueForCycle(119_999, 0, 120_000, false)).toBe(false);
    expect(dueForCycle(500_000, 0, 120_000, true)).toBe(false);
  });

  it('runs a mark-compact when none ran for a period, and prints no warning', () =>
    withCycle(400, async (warnings, cycle) => {
      const majors = await majorsDuring(() => sleep(1500));
      expect(cycle.started()).toBeGreaterThanOrEqual(1);
      expect(majors).toBeGreaterThanOrEqual(cycle.started());
      expect(warnings.filter((w) => w.includes('measureMemory'))).toEqual([]);
    }));

  it('starts none while the period has not passed', () =>
    withCycle(600_000, async (_warnings, cycle) => {
      await sleep(500);
      expect(cycle.started()).toBe(0);
    }));

  it('leaves other warnings alone', () =>
    withCycle(200, async (warnings) => {
      await sleep(400);
      process.emitWarning('something else');
      await sleep(10);
      expect(warnings).toContain('something else');
    }));
});
