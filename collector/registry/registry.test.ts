import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../lib/db/migrate.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { databaseBackends } from '../../test/helpers/databases.ts';
import { openTestDb } from '../testing/harness.ts';
import { createCachedRegistry } from './cached-registry.ts';
import { hashWriteKey, newAppId, newWriteKey, toBase62, writeKeyMatches } from './ids.ts';
import type { AppRegistry } from './registry.ts';
import { createSqlRegistry } from './sql-registry.ts';

describe('ids and keys', () => {
  it('app ids are alt_ + exactly 22 base62 characters, and never repeat', () => {
    const ids = Array.from({ length: 2000 }, newAppId);
    for (const id of ids) expect(id).toMatch(/^alt_[0-9A-Za-z]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('encodes 128 bits into 22 base62 characters at the extremes', () => {
    expect(toBase62(new Uint8Array(16), 22)).toBe('0'.repeat(22));
    expect(toBase62(new Uint8Array(16).fill(255), 22)).toHaveLength(22);
  });

  it('write keys are long, random, and only their SHA-256 matches', () => {
    const k = newWriteKey();
    expect(k).toMatch(/^altk_[0-9A-Za-z]{43}$/);
    expect(hashWriteKey(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(writeKeyMatches(k, hashWriteKey(k))).toBe(true);
    expect(writeKeyMatches(`${k}x`, hashWriteKey(k))).toBe(false);
    expect(writeKeyMatches(k, 'abc')).toBe(false);
  });
});

const backends = databaseBackends({ migrated: false });

describe.each(backends)('SQL registry on %s', (_name, available, open) => {
  let db: Sql;
  let done: () => Promise<void>;
  let registry: AppRegistry;
  beforeAll(async () => {
    if (!available) return;
    ({ db, done } = await open());
    await migrate(db);
    registry = createSqlRegistry(db);
  });
  afterAll(async () => done?.());

  it.runIf(available)('creates, finds, lists and disables apps', async () => {
    const { app, writeKey } = await registry.create({
      name: ' Shop ',
      origins: ['https://Shop.Example/path', 'https://shop.example'],
      botPolicy: 'keep',
    });
    expect(app).toMatchObject({
      name: 'Shop',
      allowedOrigins: ['https://shop.example'],
      botPolicy: 'keep',
      disabledAt: null,
    });
    expect(app.appId).toMatch(/^alt_[0-9A-Za-z]{22}$/);
    expect(await registry.get(app.appId)).toEqual(app);
    expect(await registry.getByWriteKey(writeKey)).toEqual(app);
    expect(await registry.getByWriteKey(`${writeKey}x`)).toBeNull();
    expect(await registry.get('alt_0000000000000000000000')).toBeNull();
    expect(await registry.get("alt_'; DROP TABLE applications; --")).toBeNull();
    expect((await registry.list()).map((a) => a.appId)).toContain(app.appId);

    expect(await registry.disable(app.appId)).toBe(true);
    expect((await registry.get(app.appId))?.disabledAt).toBeInstanceOf(Date);
    expect(await registry.disable('alt_0000000000000000000000')).toBe(false);
  });

  it.runIf(available)(
    'enables a disabled app and rotates its write key (the old key stops matching)',
    async () => {
      const { app, writeKey } = await registry.create({ name: 'rotating' });
      expect(await registry.disable(app.appId)).toBe(true);
      expect(await registry.enable(app.appId)).toBe(true);
      expect((await registry.get(app.appId))?.disabledAt).toBeNull();
      const next = await registry.rotateKey(app.appId);
      expect(next).toMatch(/^altk_[0-9A-Za-z]{43}$/);
      expect(next).not.toBe(writeKey);
      expect(await registry.getByWriteKey(writeKey)).toBeNull();
      expect((await registry.getByWriteKey(next as string))?.appId).toBe(app.appId);
      expect(await registry.enable('alt_0000000000000000000000')).toBe(false);
      expect(await registry.rotateKey('alt_0000000000000000000000')).toBeNull();
      expect(await registry.rotateKey('not an id')).toBeNull();
    },
  );

  it.runIf(available)('stores only the SHA-256 of the write key', async () => {
    const { app, writeKey } = await registry.create({ name: 'keys' });
    const rows = await db.query<Record<string, unknown>>('SELECT * FROM applications WHERE app_id = $1', [
      app.appId,
    ]);
    const stored = JSON.stringify(rows.rows[0]);
    expect(stored).not.toContain(writeKey);
    expect(rows.rows[0].write_key_sha256).toBe(hashWriteKey(writeKey));
  });

  it.runIf(available)('defaults to the drop bot policy and refuses bad input', async () => {
    expect((await registry.create({ name: 'd' })).app.botPolicy).toBe('drop');
    await expect(registry.create({ name: '' })).rejects.toThrow(/name/);
    await expect(registry.create({ name: 'x', origins: ['javascript:alert(1)'] })).rejects.toThrow();
    await expect(registry.create({ name: 'x', botPolicy: 'maybe' as 'drop' })).rejects.toThrow(/policy/);
  });

  it.runIf(available)('changes origins and bot policy, and only what it is given', async () => {
    const { app } = await registry.create({ name: 'editable', origins: ['https://a.example'] });
    const changed = await registry.update(app.appId, {
      origins: ['https://B.example/x', 'https://c.example'],
    });
    expect(changed).toMatchObject({
      allowedOrigins: ['https://b.example', 'https://c.example'],
      botPolicy: 'drop',
    });
    const policy = await registry.update(app.appId, { botPolicy: 'keep' });
    expect(policy).toMatchObject({
      allowedOrigins: ['https://b.example', 'https://c.example'],
      botPolicy: 'keep',
    });
    expect((await registry.update(app.appId, { origins: [] }))?.allowedOrigins).toEqual([]);
    expect(await registry.get(app.appId)).toMatchObject({ allowedOrigins: [], botPolicy: 'keep' });
    expect(await registry.update('alt_0000000000000000000000', { botPolicy: 'keep' })).toBeNull();
    await expect(registry.update(app.appId, { origins: ['ftp://x.example'] })).rejects.toThrow(/origin/);
    await expect(registry.update(app.appId, { botPolicy: 'maybe' as 'drop' })).rejects.toThrow(/policy/);
  });

  it.runIf(available)('pages through apps newest first and searches names and id prefixes', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await registry.create({ name: `${tag} Shop_${i}` })).app.appId);
    const pages = [0, 3, 6].map((offset) => registry.page({ search: tag.toUpperCase(), offset, limit: 3 }));
    const [p1, p2, p3] = await Promise.all(pages);
    expect([p1.total, p2.total, p3.total]).toEqual([7, 7, 7]);
    expect([p1.apps.length, p2.apps.length, p3.apps.length]).toEqual([3, 3, 1]);
    const seen = [...p1.apps, ...p2.apps, ...p3.apps];
    expect(new Set(seen.map((a) => a.appId))).toEqual(new Set(made));
    const times = seen.map((a) => a.createdAt.getTime());
    expect(times).toEqual(times.slice().sort((a, b) => b - a));
    // `_` is a LIKE wildcard: searched as itself, "Shop_1" matches one app, not "Shopx1".
    expect((await registry.page({ search: `${tag} Shop_1` })).apps.map((a) => a.appId)).toEqual([made[1]]);
    expect((await registry.page({ search: `${tag} Shop%` })).total).toBe(0);
    expect((await registry.page({ search: made[3].slice(0, 14) })).apps.map((a) => a.appId)).toContain(
      made[3],
    );
    const all = await registry.page({ limit: 1000 });
    expect(all.apps.length).toBeLessThanOrEqual(100);
    expect(all.total).toBe((await registry.list()).length);
  });

  it.runIf(available)('ping says whether the database answers', async () => {
    expect(await registry.ping()).toBe(true);
  });
});

describe('cached registry', () => {
  let db: Sql;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ db, done } = await openTestDb());
    await migrate(db);
  });
  afterAll(async () => done?.());

  function counting(inner: AppRegistry) {
    const calls = { get: 0, key: 0 };
    const wrapped: AppRegistry = {
      ...inner,
      get: (id) => {
        calls.get++;
        return inner.get(id);
      },
      getByWriteKey: (k) => {
        calls.key++;
        return inner.getByWriteKey(k);
      },
    };
    return { calls, wrapped };
  }

  it('serves lookups from memory within the TTL and reloads after it', async () => {
    let t = 0;
    const sql = createSqlRegistry(db);
    const { calls, wrapped } = counting(sql);
    const cache = createCachedRegistry(wrapped, { ttlMs: 30_000, now: () => t });
    const { app, writeKey } = await cache.create({ name: 'cached' });
    for (let i = 0; i < 5; i++) expect((await cache.get(app.appId))?.appId).toBe(app.appId);
    expect(calls.get).toBe(1);
    for (let i = 0; i < 3; i++) expect((await cache.getByWriteKey(writeKey))?.appId).toBe(app.appId);
    expect(calls.key).toBe(1);
    // Disabled elsewhere (another instance): seen once the TTL passes.
    await sql.disable(app.appId);
    expect((await cache.get(app.appId))?.disabledAt).toBeNull();
    t += 30_001;
    // Expired: the request is answered from memory at once while one lookup replaces the answer.
    const stale = await Promise.all([cache.get(app.appId), cache.get(app.appId), cache.get(app.appId)]);
    expect(stale.map((a) => a?.disabledAt)).toEqual([null, null, null]);
    expect(calls.get).toBe(2);
    await vi.waitFor(async () => expect((await cache.get(app.appId))?.disabledAt).toBeInstanceOf(Date));
    expect(calls.get).toBe(2);
  });

  it('past the TTL and the stale window together, a request waits for a fresh answer', async () => {
    let t = 0;
    const sql = createSqlRegistry(db);
    const { calls, wrapped } = counting(sql);
    const cache = createCachedRegistry(wrapped, { ttlMs: 30_000, staleMs: 5_000, now: () => t });
    const { app } = await cache.create({ name: 'long idle' });
    expect((await cache.get(app.appId))?.disabledAt).toBeNull();
    await sql.disable(app.appId);
    t += 35_000;
    expect((await cache.get(app.appId))?.disabledAt).toBeInstanceOf(Date);
    expect(calls.get).toBe(2);
  });

  it('keeps serving the expired answer while the lookup fails, and retries on a later request', async () => {
    let t = 0;
    let fail = false;
    const inner = createSqlRegistry(db);
    const { calls, wrapped } = counting({
      ...inner,
      get: (id) => (fail ? Promise.reject(new Error('db failing over')) : inner.get(id)),
    });
    const cache = createCachedRegistry(wrapped, { ttlMs: 10_000, staleMs: 60_000, now: () => t });
    const { app } = await inner.create({ name: 'through a failover' });
    await cache.get(app.appId);
    fail = true;
    t += 20_000;
    expect((await cache.get(app.appId))?.appId).toBe(app.appId);
    await vi.waitFor(() => expect(calls.get).toBe(2));
    await new Promise((r) => setTimeout(r, 10));
    fail = false;
    expect(cache.peek?.(app.appId)?.appId).toBe(app.appId); // still served, and a new lookup started
    expect(calls.get).toBe(3);
  });

  it('refuses a rotated-out key at once, within the TTL', async () => {
    const cache = createCachedRegistry(createSqlRegistry(db), { ttlMs: 30_000, now: () => 0 });
    const { app, writeKey } = await cache.create({ name: 'rotate-cached' });
    expect((await cache.getByWriteKey(writeKey))?.appId).toBe(app.appId);
    const next = await cache.rotateKey(app.appId);
    expect(await cache.getByWriteKey(writeKey)).toBeNull();
    expect((await cache.getByWriteKey(next as string))?.appId).toBe(app.appId);
  });

  it('an origin or bot-policy change through it takes effect at once, within the TTL', async () => {
    const cache = createCachedRegistry(createSqlRegistry(db), { ttlMs: 60_000, now: () => 0 });
    const { app } = await cache.create({ name: 'edit-cached', origins: ['https://old.example'] });
    expect((await cache.get(app.appId))?.allowedOrigins).toEqual(['https://old.example']);
    await cache.update(app.appId, { origins: ['https://new.example'], botPolicy: 'keep' });
    expect(await cache.get(app.appId)).toMatchObject({
      allowedOrigins: ['https://new.example'],
      botPolicy: 'keep',
    });
  });

  it('caches unknown ids too, so random ids do not reach the database each time', async () => {
    let t = 0;
    const { calls, wrapped } = counting(createSqlRegistry(db));
    const cache = createCachedRegistry(wrapped, { ttlMs: 10_000, now: () => t });
    for (let i = 0; i < 10; i++) expect(await cache.get('alt_0000000000000000000000')).toBeNull();
    expect(calls.get).toBe(1);
    t += 10_001;
    await cache.get('alt_0000000000000000000000');
    expect(calls.get).toBe(2);
  });

  it('stays bounded and disabling through it takes effect at once', async () => {
    const cache = createCachedRegistry(createSqlRegistry(db), { ttlMs: 60_000, maxEntries: 50 });
    for (let i = 0; i < 200; i++) await cache.get(newAppId());
    expect((cache as unknown as { size: number }).size).toBeLessThanOrEqual(50);
    const { app } = await cache.create({ name: 'to disable' });
    expect((await cache.get(app.appId))?.disabledAt).toBeNull();
    await cache.disable(app.appId);
    expect((await cache.get(app.appId))?.disabledAt).toBeInstanceOf(Date);
  });

  it('peek answers from the cache without a lookup, and only while the answer is fresh', async () => {
    let t = 0;
    const { calls, wrapped } = counting(createSqlRegistry(db));
    const cache = createCachedRegistry(wrapped, { ttlMs: 10_000, now: () => t });
    const { app } = await cache.create({ name: 'peeked' });
    const unknown = newAppId();
    expect(cache.peek?.(app.appId)).toBeUndefined(); // not loaded yet: the caller must ask
    await cache.get(app.appId);
    await cache.get(unknown);
    expect(cache.peek?.(app.appId)?.appId).toBe(app.appId);
    expect(cache.peek?.(unknown)).toBeNull(); // known not to exist
    expect(calls.get).toBe(2);
    t += 10_001;
    expect(cache.peek?.(app.appId)?.appId).toBe(app.appId); // expired: served while looked up again
    t += 10_000;
    expect(cache.peek?.(app.appId)).toBeUndefined(); // past the stale window: the caller must ask
    await cache.get(app.appId);
    await cache.disable(app.appId);
    expect(cache.peek?.(app.appId)).toBeUndefined(); // disabling through it forgets the answer
  });

  it('does not cache failures', async () => {
    let fail = true;
    const inner = createSqlRegistry(db);
    const flaky: AppRegistry = {
      ...inner,
      get: (id) => (fail ? Promise.reject(new Error('db down')) : inner.get(id)),
    };
    const cache = createCachedRegistry(flaky, { ttlMs: 60_000 });
    const { app } = await inner.create({ name: 'flaky' });
    await expect(cache.get(app.appId)).rejects.toThrow('db down');
    fail = false;
    expect((await cache.get(app.appId))?.appId).toBe(app.appId);
  });
});
