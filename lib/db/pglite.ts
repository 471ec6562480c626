import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Queryable, QueryResult, Sql } from './sql.ts';

/** PGlite in `dataDir` (or in memory when omitted). One process may open a data dir at a time. */
export async function createPglite(dataDir?: string): Promise<Sql> {
  // PGlite creates its own directory but not missing parents (a fresh `--data-dir`).
  if (dataDir) mkdirSync(dirname(dataDir), { recursive: true });
  const db = await PGlite.create(dataDir);
  const wrap = (c: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await c.query<R>(text, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(text: string) {
      await c.exec(text);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction(fn) {
      return db.transaction((tx) => fn(wrap(tx)));
    },
    async close() {
      await db.close();
    },
  };
}
