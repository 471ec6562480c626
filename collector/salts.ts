/**
 * The daily visitor salt, shared by all collector instances through PostgreSQL (Aurora) or PGlite.
 * Today's salt is made on first use (`INSERT … ON CONFLICT DO NOTHING`, so concurrent instances
 * agree on one), cached in memory for the day, and salts older than yesterday are deleted.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../lib/db/sql.ts';

export interface SaltStore {
  /** The salt of the UTC day of `at`. */
  saltFor(at: Date): Promise<Uint8Array>;
}

/** `YYYY-MM-DD` of the UTC day. */
export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

export function createSqlSaltStore(db: Queryable): SaltStore {
  let cached: { day: string; salt: Uint8Array } | undefined;
  let pending: { day: string; promise: Promise<Uint8Array> } | undefined;

  async function load(day: string): Promise<Uint8Array> {
    await db.query('INSERT INTO visitor_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING', [
      day,
      randomBytes(32),
    ]);
    const r = await db.query<{ salt: Uint8Array }>('SELECT salt FROM visitor_salts WHERE day = $1', [day]);
    // Rotation: salts before yesterday are destroyed (yesterday's stays for hits straddling midnight).
    await db.query("DELETE FROM visitor_salts WHERE day < $1::date - interval '1 day'", [day]);
    return new Uint8Array(r.rows[0].salt);
  }

  return {
    async saltFor(at) {
      const day = utcDay(at);
      if (cached?.day === day) return cached.salt;
      if (pending?.day !== day) {
        const promise = load(day).then(
          (salt) => {
            if (!cached || cached.day <= day) cached = { day, salt };
            return salt;
          },
          (err) => {
            pending = undefined;
            throw err;
          },
        );
        pending = { day, promise };
      }
      return pending.promise;
    },
  };
}

/** In-memory salts for tests and tools without a database. */
export function createMemorySaltStore(): SaltStore & { days(): string[] } {
  const salts = new Map<string, Uint8Array>();
  return {
    async saltFor(at) {
      const day = utcDay(at);
      let s = salts.get(day);
      if (!s) {
        s = new Uint8Array(randomBytes(32));
        salts.set(day, s);
        const keep = utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000));
        for (const d of salts.keys()) if (d < keep) salts.delete(d);
      }
      return s;
    },
    days: () => [...salts.keys()].sort(),
  };
}
