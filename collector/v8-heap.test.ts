/** The V8 setting the collector makes on itself (v8-heap.ts): where it applies and what it changes. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { needsExternalMemoryFlag } from './v8-heap.ts';

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
