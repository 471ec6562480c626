export { migrate } from './migrate.ts';
export { createPglite } from './pglite.ts';
export { createPostgres, type PostgresOptions } from './postgres.ts';
export type { Queryable, QueryResult, Sql } from './sql.ts';
