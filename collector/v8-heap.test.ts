/** The V8 setting the collector makes on itself (v8-heap.ts): where it applies and what it changes. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { needsExternalMemoryFlag, usesSingleThreadedScavenge } from './v8-heap.ts';

const CHURN = fileURLToPath(new URL('./testing/buffer-churn.ts', import.meta.url));

function markCompacts(mode: 'tuned' | 'default'): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHURN, mode], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').at(-1) as string) as { markCompacts: number }).markCompacts;
}

describe('needsExternalMemoryFlag', () => {
  it('applies to V8 13 (Node 24) and 14 before 14.8, not to V8 11/12 (no such flag) or 14.8+ (default)', () => {
    expect(needsExternalMemoryFlag('13.6.233.17-node.53')).toBe(true);
    expect(needsExternalMemoryFlag('14.6.1.0-node.1')).toBe(true);
    expect(needsExternalMemoryFlag('11.3.244.8-node.38')).toBe(false);
    expect(needsExternalMemoryFlag('12.4.254.21-node.33')).toBe(false);
    expect(needsExternalMemoryFlag('14.8.0.0')).toBe(false);
    expect(needsExternalMemoryFlag('15.0.0.0')).toBe(false);
  });
});

describe('tuneV8ForCollector', () => {
  it('stops short-lived buffers from starting mark-compacts of a heap that is not growing (project Node)', () => {
    // This Node is the project's (24, V8 13.6): measured 13–14 mark-compacts without, 1 with.
    expect(needsExternalMemoryFlag(process.versions.v8)).toBe(true);
    const without = markCompacts('default');
    const tuned = markCompacts('tuned');
    expect(without).toBeGreaterThanOrEqual(8);
    expect(tuned).toBeLessThanOrEqual(without / 4);
  });
});

describe('single-threaded GC on one CPU', () => {
  it('is chosen for one CPU only', () => {
    expect(usesSingleThreadedScavenge(1)).toBe(true);
    expect(usesSingleThreadedScavenge(2)).toBe(false);
    expect(usesSingleThreadedScavenge(64)).toBe(false);
  });

  it('sees one CPU in a process pinned to one core (as `alt dev` under taskset), two without', () => {
    const cpus = (pin: string[]) =>
      Number(
        execFileSync(
          pin.length ? 'taskset' : process.execPath,
          [...pin, ...(pin.length ? [process.execPath] : []), '-p', 'require("node:os").availableParallelism()'],
          { encoding: 'utf8' },
        ).trim(),
      );
    expect(cpus(['-c', '0'])).toBe(1);
    // Unpinned, what this process sees (2 on these machines).
    expect(cpus([])).toBe(availableParallelism());
  });

  it('on one CPU, scavenges run without helper threads from the setting on; with two, helpers take part', () => {
    // Background (helper-thread) time of each scavenge from --trace-gc-nvp, after tsx has loaded.
    const helperMs = (cpus: number) =>
      execFileSync(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', CHURN, `young:${cpus}`], {
        encoding: 'utf8',
      })
        .split('\n')
        .filter((l) => l.includes('gc=s '))
        .map((l) => Number(/background\.scavenge\.parallel=([\d.]+)/.exec(l)?.[1] ?? Number.NaN));
    const one = helperMs(1).slice(-5);
    const two = helperMs(2).slice(-5);
    expect(one).toHaveLength(5);
    expect(one.every((ms) => ms === 0)).toBe(true);
    expect(two.some((ms) => ms > 0)).toBe(true);
  });
});
