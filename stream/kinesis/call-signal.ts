/**
 * An abort signal for one outbound call: aborted after `timeoutMs` (reason: a `TimeoutError`
 * DOMException, as `AbortSignal.timeout` gives) or when `parent` aborts, and released by `done()`.
 *
 * Why not `AbortSignal.any([AbortSignal.timeout(ms), parent])`: that timer cannot be cleared, so
 * every call's signal, timer and the composite's registration on the long-lived parent live for
 * the whole timeout after the call returned. At ~1,300 PutRecords calls a second and a 5 s timeout
 * that kept thousands of them alive, promoted into V8's old generation: the Kinesis path collected
 * two thirds more often than the segment log, with 10–30 ms pauses (docs/performance.md).
 */
export interface CallSignal {
  signal: AbortSignal;
  /** Clears the timer and the parent listener; call when the call has settled. */
  done(): void;
}

export function callSignal(timeoutMs: number, parent?: AbortSignal): CallSignal {
  const ac = new AbortController();
  if (parent?.aborted) {
    ac.abort(parent.reason);
    return { signal: ac.signal, done() {} };
  }
  const onParentAbort = () => ac.abort(parent?.reason);
  const timer = setTimeout(
    () => ac.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    timeoutMs,
  );
  parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: ac.signal,
    done() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
