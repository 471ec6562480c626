import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../lib/db/migrate.ts';
import type { Sql } from '../lib/db/sql.ts';
import { databaseBackends } from '../test/helpers/databases.ts';
import { createMemorySaltStore, createSqlSaltStore } from './salts.ts';

const backends = databaseBackends({ migrated: false });

const day = (d: string) => new Date(`${d}T12:00:00Z`);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe.each(backends)('daily salts on %s', (_name, available, open) => {
  let db: Sql;
  let done: () => Promise<void>;
  beforeAll(async () => {
    if (!available) return;
    ({ db, done } = await open());
    await migrate(db);
  });
  afterAll(async () => done?.());

  it.runIf(available)('all instances share one salt per day, and a new day gets a new one', async () => {
    const a = createSqlSaltStore(db);
    const b = createSqlSaltStore(db);
    const [s1, s2] = await Promise.all([a.saltFor(day('2026-01-10')), b.saltFor(day('2026-01-10'))]);
    expect(s1).toHaveLength(32);
    expect(hex(s1)).toBe(hex(s2));
    expect(hex(await a.saltFor(new Date('2026-01-10T23:59:59Z')))).toBe(hex(s1));
    expect(hex(await a.saltFor(day('2026-01-11')))).not.toBe(hex(s1));
  });

  it.runIf(available)('rotation deletes salts older than yesterday', async () => {
    const s = createSqlSaltStore(db);
    await s.saltFor(day('2026-02-01'));
    await s.saltFor(day('2026-02-02'));
    await s.saltFor(day('2026-02-03'));
    const rows = await db.query<{ day: string }>(
      "SELECT to_char(day, 'YYYY-MM-DD') AS day FROM visitor_salts ORDER BY 1",
    );
    expect(rows.rows.map((r) => r.day)).toEqual(['2026-02-02', '2026-02-03']);
  });
});

describe('memory salts', () => {
  it('behave like the SQL store', async () => {
    const s = createMemorySaltStore();
    const a = await s.saltFor(day('2026-02-01'));
    expect(hex(await s.saltFor(day('2026-02-01')))).toBe(hex(a));
    await s.saltFor(day('2026-02-02'));
    await s.saltFor(day('2026-02-03'));
    expect(s.days()).toEqual(['2026-02-02', '2026-02-03']);
  });
});
