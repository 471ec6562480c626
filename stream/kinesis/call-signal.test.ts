import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { callSignal } from './call-signal.ts';

describe('callSignal', () => {
  it('aborts after its timeout with a TimeoutError, as AbortSignal.timeout does', async () => {
    const { signal } = callSignal(20);
    expect(signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('aborts with the parent, with the parent reason', () => {
    const parent = new AbortController();
    const { signal } = callSignal(10_000, parent.signal);
    const reason = new Error('closing');
    parent.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('is aborted at once when the parent already is', () => {
    const parent = new AbortController();
    parent.abort(new Error('closed'));
    expect(callSignal(10_000, parent.signal).signal.aborted).toBe(true);
  });

  it('done() leaves nothing behind: no timeout fires, no listener stays on the parent', async () => {
    const parent = new AbortController();
    const calls = Array.from({ length: 100 }, () => callSignal(20, parent.signal));
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(100);
    for (const c of calls) c.done();
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls.every((c) => !c.signal.aborted)).toBe(true);
    parent.abort();
    expect(calls.every((c) => !c.signal.aborted)).toBe(true);
  });
});
