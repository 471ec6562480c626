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
