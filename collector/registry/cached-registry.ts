/**
 * In-memory cache in front of the registry: every hit names an app, so lookups must not reach the
 * database per request. Entries live `ttlMs`; unknown ids and keys are cached too (negative
 * caching) so random ids cannot hammer the database; the map is bounded (oldest entries go first).
 * Concurrent misses for one key share one query.
 *
 * An expired answer is still served for `staleMs` more while one background lookup replaces it
 * (stale-while-revalidate). Otherwise every request of a busy app waits for the lookup each time
 * its entry expires: in `alt dev` that lookup crosses to the transformer process, whose event loop
 * may be inside a batch for a second (every 30 s, p99 rose to 140–270 ms); in AWS it waits on
 * Aurora, which may be failing over. A change made through this cache still applies at once.
 */
import { hashWriteKey } from './ids.ts';
import type { App, AppRegistry } from './registry.ts';

export interface CacheOptions {
  ttlMs: number;
  /** How long past `ttlMs` an answer may be served while it is looked up again; default `ttlMs`. */
  staleMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  at: number;
  value: Promise<App | null>;
  settled?: App | null;
  /** A background lookup replacing this entry is under way. */
  refreshing?: boolean;
}

export function createCachedRegistry(inner: AppRegistry, opts: CacheOptions): AppRegistry {
  const { ttlMs, staleMs = ttlMs, maxEntries = 10_000, now = Date.now } = opts;
  /** `settled`: the loaded answer once `value` has resolved, for `peek`. */
  const entries = new Map<string, Entry>();

  /** The entry's answer if it may still be served (starting its replacement once expired). */
  function usable(key: string, hit: Entry, load: () => Promise<App | null>): Entry | undefined {
    const age = now() - hit.at;
    if (age < ttlMs) return hit;
    if (hit.settled === undefined || age >= ttlMs + staleMs) return undefined;
    if (!hit.refreshing) {
      hit.refreshing = true;
      load().then(
        (app) => {
          // Replaced only if nothing newer (a change through this cache) took its place.
          if (entries.get(key) === hit)
            entries.set(key, { at: now(), value: Promise.resolve(app), settled: app });
        },
        // Served stale until `staleMs` runs out; the next request after a failure tries again.
        () => {
          hit.refreshing = false;
        },
      );
    }
    return hit;
  }

  function cached(key: string, load: () => Promise<App | null>): Promise<App | null> {
    const hit = entries.get(key);
    if (hit && usable(key, hit, load)) return hit.value;
    if (hit) entries.delete(key);
    const value = load();
    const entry: Entry = { at: now(), value };
    value.then(
      (app) => {
        entry.settled = app;
      },
      // A failed lookup is not cached: the next request retries.
      () => entries.get(key) === entry && entries.delete(key),
    );
    if (ttlMs > 0) {
      entries.set(key, entry);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    }
    return value;
  }

  const forget = (appId: string) => {
    for (const [k, v] of entries) {
      // Settled entries go now, so a rotated-out key is refused by the very next request.
      if (v.settled !== undefined) {
        if (v.settled?.appId === appId) entries.delete(k);
        continue;
      }
      v.value.then(
        (app) => app?.appId === appId && entries.get(k) === v && entries.delete(k),
        () => {},
      );
    }
    entries.delete(`id:${appId}`);
  };

  return {
    get: (appId) => cached(`id:${appId}`, () => inner.get(appId)),
    peek(appId) {
      const key = `id:${appId}`;
      const hit = entries.get(key);
      return hit && usable(key, hit, () => inner.get(appId)) ? hit.settled : undefined;
    },
    // Keyed by the key's hash: the cache never holds a usable key.
    getByWriteKey: (key) => cached(`key:${hashWriteKey(key)}`, () => inner.getByWriteKey(key)),
    async create(app) {
      const created = await inner.create(app);
      entries.delete(`id:${created.app.appId}`);
      return created;
    },
    list: () => inner.list(),
    page: (q) => inner.page(q),
    async update(appId, changes) {
      const app = await inner.update(appId, changes);
      forget(appId);
      return app;
    },
    async disable(appId) {
      const ok = await inner.disable(appId);
      forget(appId);
      return ok;
    },
    async enable(appId) {
      const ok = await inner.enable(appId);
      forget(appId);
      return ok;
    },
    async rotateKey(appId) {
      const key = await inner.rotateKey(appId);
      // Drops the old key's entry too (it names this app), so the old key is refused at once here.
      forget(appId);
      return key;
    },
    ping: () => inner.ping(),
    /** Number of cached entries (tests). */
    get size() {
      return entries.size;
    },
  } as AppRegistry;
}
