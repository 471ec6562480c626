import { auroraMigrations, type Migration } from '../../schemas/ddl/aurora.ts';
import type { Queryable, Sql } from './sql.ts';

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

/**
 * For a component that connects with a role that may not change the schema (IAM auth in AWS): the
 * stack's migration Lambda applies migrations before the component runs, so a database that lacks
 * any of this release's migrations is an error that says so, instead of failing later on a missing
 * table or column.
 */
export async function assertMigrated(
  db: Queryable,
  migrations: Migration[] = auroraMigrations(),
): Promise<void> {
  let applied: Set<string>;
  try {
    applied = new Set(
      (await db.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id),
    );
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01') throw err; // undefined_table: never migrated
    applied = new Set();
  }
  const missing = migrations.map((m) => m.id).filter((id) => !applied.has(id));
  if (missing.length) {
    throw new Error(
      `database schema is behind this release: migrations ${missing.join(', ')} are not applied; ` +
        'run the migration (`pulumi up` invokes the stack migration Lambda) before starting this component',
    );
  }
}
