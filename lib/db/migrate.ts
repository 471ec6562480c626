import { auroraMigrations, type Migration } from '../../schemas/ddl/aurora.ts';
import type { Sql } from './sql.ts';

/**
 * Applies pending migrations in order, each in its own transaction with its `schema_migrations`
 * row, under an advisory lock so concurrent starters (collector instances, Lambdas) apply once.
 */
export async function migrate(db: Sql, migrations: Migration[] = auroraMigrations()): Promise<string[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7412001)');
    const done = new Set(
      (await tx.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id),
    );
    for (const m of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
      applied.push(m.id);
    }
  });
  return applied;
}
