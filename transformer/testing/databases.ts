/** The two rollup backends every database test runs on: PGlite and the real PostgreSQL. */
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';

export type OpenDb = () => Promise<{ db: Sql; done(): Promise<void> }>;

/** `[name, available, open]` rows for `describe.each`; the database comes migrated. */
export function databaseBackends(): [string, boolean, OpenDb][] {
  return [
    [
      'PGlite',
      true,
      async () => {
        const db = await createPglite();
        await migrate(db);
        return { db, done: () => db.close() };
      },
    ],
    [
      'PostgreSQL',
      Boolean(databaseUrl),
      async () => {
        const t = await createTestSchema();
        await migrate(t.db);
        return { db: t.db, done: t.drop };
      },
    ],
  ];
}
