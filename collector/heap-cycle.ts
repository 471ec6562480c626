/**
 * A mark-compact at least every two minutes, as Go's runtime forces a collection when none ran for
 * two minutes (`forcegcperiod`, runtime/proc.go).
 *
 * Why: V8 starts the next mark-compact when the old generation reaches a limit it set at the last
 * one, about the live set times a growing factor plus the young generation's capacity (~200 MB of
 * heap for `alt dev`'s collector, whose live set is ~50 MB). Under a steady load the old generation
 * only fills with garbage that scavenges promoted (~40–190 KB a scavenge at 5,000 hits/s, 4–20 MB a
 * minute), so it takes 8 to 35 minutes to reach that limit, and the process's
 * RSS climbs all that time before it falls back (docs/performance.md, 2026-12-07). Nothing leaks,
 * but to its user, and to a 10-minute check of "RSS flat", the memory grows. One mark-compact every
 * two minutes returns it at a cost of ~0.1 % of the core (one incremental cycle of a ~50 MB heap:
 * marking steps and a final pause of 12–14 ms, measured at 5,000 hits/s).
 *
 * How: `vm.measureMemory({ execution: 'eager' })` is Node's one public call that starts V8's
 * *incremental* marking at once (the GC it needs to measure), where `gc()` would need
 * `--expose-gc` and run a whole atomic collection (35–70 ms for 50 MB on one core here). It is
 * marked experimental and prints an ExperimentalWarning once per process; that warning is dropped
 * here, since a user can do nothing about it. A run that collects often by itself (a busier heap)
 * never needs one: the clock restarts at every major collection V8 reports.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import vm from 'node:vm';

/** Go's `forcegcperiod`. */
export const HEAP_CYCLE_PERIOD_MS = 120_000;

/** Whether to start a mark-compact now. Pure. */
export function dueForCycle(
  nowMs: number,
  lastMajorMs: number,
  periodMs: number,
  inFlight: boolean,
): boolean {
  return !inFlight && nowMs - lastMajorMs >= periodMs;
}

export interface HeapCycle {
  /** Mark-compacts started here (not the ones V8 started by itself). */
  started(): number;
  stop(): void;
}

/** Starts incremental marking through `vm.measureMemory`, without its one-time ExperimentalWarning. */
function startIncrementalMarking(): Promise<unknown> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('vm.measureMemory')) return;
    // biome-ignore lint/suspicious/noExplicitAny: passes Node's overloads through unchanged
    return (emitWarning as any).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return vm.measureMemory({ mode: 'summary', execution: 'eager' });
  } finally {
    process.emitWarning = emitWarning;
  }
}

export function startHeapCycle(o: { periodMs?: number; now?: () => number } = {}): HeapCycle {
  const periodMs = o.periodMs ?? HEAP_CYCLE_PERIOD_MS;
  const now = o.now ?? Date.now;
  let lastMajor = now();
  let inFlight = false;
  let started = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) lastMajor = now();
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const timer = setInterval(
    () => {
      if (!dueForCycle(now(), lastMajor, periodMs, inFlight)) return;
      inFlight = true;
      started++;
      // The observer moves the clock again when V8 reports the collection, which may come after
      // the promise settles: without this the next tick would still see the old time and start another.
      lastMajor = now();
      startIncrementalMarking().then(
        () => {
          inFlight = false;
        },
        () => {
          inFlight = false;
        },
      );
    },
    Math.max(100, Math.floor(periodMs / 8)),
  );
  timer.unref();
  return {
    started: () => started,
    stop() {
      clearInterval(timer);
      observer.disconnect();
    },
  };
}
