/**
 * Fixed one-minute windows per key, in this process's memory — each collector instance enforces
 * its limits on its own share of the traffic. One limiter counts requests per client address
 * (`rateLimitPerIp`), another hits per app (`rateLimitPerApp`: a batch of 500 spends 500).
 *
 * Hand-written rather than `@fastify/rate-limit`: that plugin adds an async hook, an LRU and its
 * own header logic to every request, where this is one Map lookup inside the collector's single
 * `onRequest` hook (docs/performance.md), and the per-app budget needs hit counts, not requests.
 */
export interface WindowLimiter {
  /** Spends `n` of the key's budget; returns seconds to wait when over it, else 0. */
  take(key: string, n: number): number;
}

const WINDOW_MS = 60_000;

export function createWindowLimiter(
  perMinute: number,
  now: () => number = Date.now,
  maxKeys = 100_000,
): WindowLimiter {
  let windows = new Map<string, { start: number; used: number }>();
  /** Bounded memory: past `maxKeys`, windows that ended are dropped; if none had, all are. */
  const makeRoom = (t: number) => {
    const live = new Map<string, { start: number; used: number }>();
    for (const [k, w] of windows) if (t - w.start < WINDOW_MS) live.set(k, w);
    windows = live.size < maxKeys ? live : new Map();
  };
  return {
    take(key, n) {
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= WINDOW_MS) {
        if (!w && windows.size >= maxKeys) makeRoom(t);
        w = { start: t, used: 0 };
        windows.set(key, w);
      }
      if (w.used + n > perMinute) return Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
      w.used += n;
      return 0;
    },
  };
}
