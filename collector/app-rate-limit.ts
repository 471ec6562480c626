/**
 * Per-app hit budget (hits per minute, `rateLimitPerApp`): a fixed one-minute window per app, in
 * this process's memory — each collector instance enforces it on its own share of the traffic.
 * Counts hits, not requests (a batch of 500 spends 500). Per-IP request limits are done by
 * `@fastify/rate-limit` in `server.ts`.
 */
export interface AppRateLimiter {
  /** Spends `hits` of the app's budget; returns seconds to wait when over it, else 0. */
  take(appId: string, hits: number): number;
}

export function createAppRateLimiter(perMinute: number, now: () => number = Date.now, maxApps = 100_000) {
  const windows = new Map<string, { start: number; used: number }>();
  return {
    take(appId: string, hits: number): number {
      const t = now();
      let w = windows.get(appId);
      if (!w || t - w.start >= 60_000) {
        if (!w && windows.size >= maxApps) windows.clear();
        w = { start: t, used: 0 };
        windows.set(appId, w);
      }
      if (w.used + hits > perMinute) return Math.max(1, Math.ceil((w.start + 60_000 - t) / 1000));
      w.used += hits;
      return 0;
    },
  } satisfies AppRateLimiter;
}
