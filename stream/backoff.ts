/**
 * Exponential backoff with jitter, shared by every retry loop of the stream writers (the Kinesis
 * writer, the spool's drainer). The knobs have names and defaults here, in one place.
 */
export interface BackoffOptions {
  /** First retry waits about this long. */
  minMs: number;
  /** No wait is longer. */
  maxMs: number;
}

export const BACKOFF_DEFAULTS: BackoffOptions = { minMs: 50, maxMs: 2000 };

/**
 * Wait before retry number `attempt` (1-based): the exponential cap, "equal jitter" (half fixed,
 * half random) so retries of many callers spread out but never hammer with a zero wait.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.min(opts.maxMs, opts.minMs * 2 ** Math.max(0, attempt - 1));
  return cap / 2 + random() * (cap / 2);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
