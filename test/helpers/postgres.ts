/** Real-PostgreSQL test databases: each caller gets its own schema, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPostgres } from '../../lib/db/postgres.ts';
import type { Sql } from '../../lib/db/sql.ts';

export const databaseUrl = process.env.DATABASE_URL;

export async function createTestSchema(): Promise<{ db: Sql; schema: string; drop(): Promise<void> }> {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = createPostgres({ connectionString: databaseUrl, schema, max: 4 });
  return {
    db,
    schema,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
