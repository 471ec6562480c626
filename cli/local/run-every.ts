/**
 * A loop that runs every `ms` until `signal` aborts, at a fixed rate: the wait after a run is `ms`
 * less the time the run took (none when it took longer), so a slow run does not push every later
 * one back. For `alt dev`'s transformer loop that bounds the lag at about one interval plus one
 * drain: with a full wait after each drain, a drain slowed by a busy core (10–15 s while the
 * collector had most of it) added its whole length to the next one's lag (35 s measured).
 * Each wait's abort listener is removed when its timer fires (node:timers/promises does that), so a
 * long-running `alt dev` does not pile up one listener per tick on the shared signal
 * (MaxListenersExceededWarning after ~2 minutes).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function runEvery(
  ms: number,
  signal: AbortSignal,
  run: () => Promise<void>,
  now: () => number = performance.now.bind(performance),
): Promise<void> {
  let ranFor = 0;
  while (!signal.aborted) {
    try {
      await sleep(Math.max(0, ms - ranFor), undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
    const started = now();
    await run();
    ranFor = now() - started;
  }
}
