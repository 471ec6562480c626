/**
 * A child process for `v8-heap.test.ts`: a kept heap (~30 MB of small objects) beside 1 GiB of
 * 16 KiB buffers, each dropped at once (the collector's per-request buffers, compressed in time).
 * Prints `{"markCompacts": n}`. `tuned` applies `tuneV8ForCollector` first, `default` does not.
 *
 *   node --import tsx collector/testing/buffer-churn.ts tuned|default
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { tuneV8ForCollector } from '../v8-heap.ts';

if (process.argv[2] === 'tuned') tuneV8ForCollector();
let markCompacts = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const { kind } = (e as PerformanceEntry & { detail: { kind: number } }).detail;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
  }
}).observe({ entryTypes: ['gc'] });

const kept = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `item ${i}` }));
let touched = 0;
for (let i = 0; i < 64 * 1024; i++) {
  const b = Buffer.allocUnsafe(16 * 1024);
  b[0] = i;
  touched += b[0];
  // Yield now and then, as a server does between requests (GC tasks run there).
  if (i % 64 === 0) await new Promise(setImmediate);
}
await new Promise((r) => setTimeout(r, 50)); // let the last GC entries be observed
process.stdout.write(`${JSON.stringify({ markCompacts, kept: kept.length, touched: touched > 0 })}\n`);
