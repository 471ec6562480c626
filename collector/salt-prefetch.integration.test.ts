/**
 * The next day's salt is fetched before midnight UTC, so the first hits of a day do not wait on the
 * salt store (a database round trip; an IPC call under `alt dev`) all at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../lib/db/sql.ts';
import { createMemorySaltStore, type SaltStore, utcDay } from './salts.ts';
import { SALT_PREFETCH_MS } from './service.ts';
import { openTestDb, startHarness } from './testing/harness.ts';
import { CHROME_UA } from './testing/user-agents.ts';

let db: Sql;
let dbDone: () => Promise<void>;
beforeAll(async () => {
  ({ db, done: dbDone } = await openTestDb());
});
afterAll(async () => dbDone?.());

/** A salt store that records the days asked for and can be made to fail. */
function recordingSalts(): SaltStore & { asked: string[]; failing: boolean } {
  const inner = createMemorySaltStore();
  const store = {
    asked: [] as string[],
    failing: false,
    async saltFor(at: Date) {
      store.asked.push(utcDay(at));
      if (store.failing) throw new Error('salt store unavailable');
      return inner.saltFor(at);
    },
  };
  return store;
}

describe('salt prefetch before midnight UTC', () => {
  async function run() {
    let now = new Date('2026-03-01T23:50:00Z');
    const salts = recordingSalts();
    const h = await startHarness({ db, salts, now: () => now });
    const { app } = await h.createApp();
    const hit = async () => {
      const r = await h.app.inject({
        method: 'POST',
        url: '/v1/hits',
        headers: { 'content-type': 'text/plain', 'user-agent': CHROME_UA },
        payload: JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: 'https://a.example/' }),
      });
      expect(r.statusCode).toBe(202);
      return h.sink.rows().at(-1)?.visitor_id;
    };
    const settle = () => new Promise((r) => setTimeout(r, 20));
    return { h, salts, hit, settle, at: (iso: string) => (now = new Date(iso)) };
  }

  it('a hit in the last minutes of the day fetches tomorrow’s salt; the first hit after midnight uses it without asking', async () => {
    const { h, salts, hit, settle, at } = await run();
    try {
      const early = await hit(); // 23:50: loads today's salt on the hit path
      expect(salts.asked).toEqual(['2026-03-01']);
      at(new Date(Date.parse('2026-03-02T00:00:00Z') - SALT_PREFETCH_MS + 1000).toISOString());
      expect(await hit()).toBe(early); // same day, same visitor
      await settle();
      expect(salts.asked).toEqual(['2026-03-01', '2026-03-02']);
      await hit(); // a second late hit does not fetch again
      await settle();
      expect(salts.asked).toHaveLength(2);
      at('2026-03-02T00:00:00.001Z');
      const after = await hit();
      expect(salts.asked).toHaveLength(2); // no salt request on the first hit of the day
      expect(after).not.toBe(early); // the new day's salt: the visitor id changes at midnight
    } finally {
      await h.close();
    }
  });

  it('a failed prefetch costs nothing: hits before midnight are accepted, the first hit after loads the salt', async () => {
    const { h, salts, hit, settle, at } = await run();
    try {
      const early = await hit();
      salts.failing = true;
      at('2026-03-01T23:59:00Z');
      expect(await hit()).toBe(early);
      await settle();
      salts.failing = false;
      at('2026-03-02T00:00:01Z');
      expect(await hit()).not.toBe(early);
      expect(salts.asked.filter((d) => d === '2026-03-02').length).toBeGreaterThanOrEqual(2);
    } finally {
      await h.close();
    }
  });
});
