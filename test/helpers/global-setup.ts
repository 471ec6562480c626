/**
 * Points database tests at a real PostgreSQL. CI exports DATABASE_URL; on a developer machine
 * the local server on 127.0.0.1:5432 (database `test`) is used when it answers. In CI a missing
 * server is an error, never a silent skip.
 */
import pg from 'pg';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';

export default async function setup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const client = new pg.Client({ connectionString: LOCAL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    process.env.DATABASE_URL = LOCAL;
  } catch {
    if (process.env.CI) throw new Error('CI=true but no DATABASE_URL and no PostgreSQL on 127.0.0.1:5432');
    console.warn('[test] no PostgreSQL reachable: real-server tests are skipped (set DATABASE_URL)');
  }
}
