/**
 * An in-memory DuckDB connection for one test file (or `describe` block): opened before its tests,
 * closed after. Returns a getter, since the connection exists only once `beforeAll` has run.
 */
import { afterAll, beforeAll } from 'vitest';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';

type Duck = Awaited<ReturnType<typeof createMemoryDuckdb>>;
export type DuckConnection = Awaited<ReturnType<Duck['connect']>>;

export function useDuckdb(): () => DuckConnection {
  let duck: Duck | undefined;
  let conn: DuckConnection | undefined;
  beforeAll(async () => {
    duck = await createMemoryDuckdb();
    conn = await duck.connect();
  });
  afterAll(() => {
    conn?.closeSync();
    duck?.closeSync();
  });
  return () => {
    if (!conn) throw new Error('useDuckdb: the connection is opened in beforeAll');
    return conn;
  };
}
