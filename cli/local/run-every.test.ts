import { getEventListeners } from 'node:events';
import { expect, it } from 'vitest';
import { runEvery } from './run-every.ts';

it('runs until aborted and leaves no abort listener behind per tick', async () => {
  const stop = new AbortController();
  let runs = 0;
  let most = 0;
  const loop = runEvery(1, stop.signal, async () => {
    runs++;
    most = Math.max(most, getEventListeners(stop.signal, 'abort').length);
    if (runs === 30) stop.abort();
  });
  await loop;
  expect(runs).toBe(30);
  expect(most).toBe(0);
});

it('stops at once when aborted during a wait', async () => {
  const stop = new AbortController();
  let runs = 0;
  const loop = runEvery(60_000, stop.signal, async () => {
    runs++;
  });
  stop.abort();
  await loop;
  expect(runs).toBe(0);
});

it('keeps a fixed rate: the wait after a run is the interval less the run, none after a long one', async () => {
  const stop = new AbortController();
  let t = 0;
  const starts: number[] = [];
  // Runs take 200, 400, 10 "ms" of a fake clock (interval 300 ms): waits of 300, 100, 0.
  const lengths = [200, 400, 10];
  const waits: number[] = [];
  let last = performance.now();
  await runEvery(
    300,
    stop.signal,
    async () => {
      const w = performance.now() - last;
      waits.push(w);
      starts.push(t);
      t += lengths[starts.length - 1];
      if (starts.length === 3) stop.abort();
      last = performance.now();
    },
    () => t,
  );
  // Timers fire no earlier than asked; the upper bounds leave room for a busy machine.
  expect(waits[0]).toBeGreaterThanOrEqual(295);
  expect(waits[1]).toBeGreaterThanOrEqual(95);
  expect(waits[1]).toBeLessThan(250);
  expect(waits[2]).toBeLessThan(90);
});
