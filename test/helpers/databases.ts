/** The two backends every database test runs on: PGlite and the real PostgreSQL (when reachable). */
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from './postgres.ts';

export type OpenDb = () => Promise<{ db: Sql; done(): Promise<void> }>;

/** `[name, available, open]` rows for `describe.each`; `migrated: false` leaves the database empty. */
export function databaseBackends(opts: { migrated?: boolean } = {}): [string, boolean, OpenDb][] {
  const prepare = async (db: Sql) => {
    if (opts.migrated !== false) await migrate(db);
  };
  return [
    [
      'PGlite',
      true,
      async () => {
        const db = await createPglite();
        await prepare(db);
        return { db, done: () => db.close() };
      },
    ],
    [
      'PostgreSQL server',
      Boolean(databaseUrl),
      async () => {
        const t = await createTestSchema();
        await prepare(t.db);
        return { db: t.db, done: t.drop };
      },
    ],
  ];
}
