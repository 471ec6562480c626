/**
 * A loop that waits `ms` between runs until `signal` aborts. Each wait's abort listener is removed
 * when its timer fires (node:timers/promises does that), so a long-running `alt dev` does not pile
 * up one listener per tick on the shared signal (MaxListenersExceededWarning after ~2 minutes).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function runEvery(ms: number, signal: AbortSignal, run: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      return; // aborted while waiting
    }
    await run();
  }
}
