/**
 * A `Sql` that runs every statement as `role` (`SET LOCAL ROLE` in its own transaction), over a
 * connection of the test superuser: PGlite has one user, and the test server trusts every login, so
 * this is how both backends check what a component's role may do.
 */
import type { Queryable, Sql } from '../../lib/db/sql.ts';

export function asRole(db: Sql, role: string): Sql {
  const transaction = <T>(fn: (tx: Queryable) => Promise<T>) =>
    db.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE ${role}`);
      return fn(tx);
    });
  return {
    kind: db.kind,
    query: (text, params) => transaction((tx) => tx.query(text, params)),
    exec: (text) => transaction((tx) => tx.exec(text)),
    transaction,
    close: async () => {},
  };
}
