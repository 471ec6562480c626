import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PgConnection } from './iam-auth.ts';
import type { Queryable, QueryResult, Sql } from './sql.ts';

// int8 (counts, sums) as JS numbers: rollup counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));
// int8[] (histograms) likewise, as PGlite returns them.
const INT8_ARRAY = 1016 as Parameters<typeof pg.types.setTypeParser>[0];
pg.types.setTypeParser(INT8_ARRAY, (v: string) => (v === '{}' ? [] : v.slice(1, -1).split(',').map(Number)));

export interface PostgresOptions {
  /**
   * A URL, or a function that returns the current one (credentials from a rotating secret). A
   * function is called when a pool is created: at first use, and again after the server refused
   * the credentials.
   */
  connectionString?: string | (() => Promise<string>);
  /**
   * Host, role and a password function instead of a URL (IAM auth: a fresh token per connection).
   */
  connection?: PgConnection;
  /**
   * TLS for a `connectionString`, replacing its `sslmode` (pg lets the URL override options, so
   * the URL's ssl parameters are dropped): how a secret's URL verifies Aurora's certificate.
   */
  ssl?: ConnectionOptions;
  /**
   * Called when the server refuses the credentials (SQLSTATE class 28: a rotated password, a
   * removed role), before the pool is rebuilt with a fresh `connectionString()` and the statement
   * retried once. Only with a function `connectionString`: a fixed URL cannot get better.
   */
  onAuthFailure?: () => void;
  /** Sets `search_path` on every connection (tests isolate themselves in a schema). */
  schema?: string;
  max?: number;
}

/** invalid_authorization_specification (28000), invalid_password (28P01). */
const isAuthFailure = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  ['28000', '28P01'].includes((err as { code?: string }).code ?? '');

/** A client's target: the URL, or with `ssl` given, the URL without its TLS parameters (pg lets them win). */
export function connectionTarget(url: string, ssl?: ConnectionOptions): pg.ClientConfig {
  if (!ssl) return { connectionString: url };
  const u = new URL(url);
  for (const k of [...u.searchParams.keys()]) if (k.startsWith('ssl')) u.searchParams.delete(k);
  return { connectionString: u.toString(), ssl };
}

export function createPostgres(opts: PostgresOptions): Sql {
  const { connectionString } = opts;
  if (!connectionString === !opts.connection) {
    throw new Error('createPostgres: give either connectionString or connection');
  }
  const target = async (): Promise<pg.PoolConfig> => {
    if (opts.connection) return { ...opts.connection };
    const url = typeof connectionString === 'string' ? connectionString : await connectionString!();
    return connectionTarget(url, opts.ssl);
  };
  const open = async (): Promise<pg.Pool> => {
    const pool = new pg.Pool({
      ...(await target()),
      max: opts.max ?? 10,
      options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    return pool;
  };
  let current: Promise<pg.Pool> | undefined;
  const pool = (): Promise<pg.Pool> => {
    current ??= open().catch((err) => {
      current = undefined;
      throw err;
    });
    return current;
  };

  /**
   * Runs `fn` on the pool; if connecting was refused for its credentials, rebuilds the pool once
   * with fresh ones. Safe to repeat: authentication fails before any statement runs.
   */
  async function withPool<T>(fn: (p: pg.Pool) => Promise<T>): Promise<T> {
    const used = pool();
    const p = await used;
    try {
      return await fn(p);
    } catch (err) {
      if (typeof connectionString !== 'function' || !isAuthFailure(err)) throw err;
      if (current === used) {
        opts.onAuthFailure?.();
        current = undefined;
        void p.end().catch(() => {});
      }
      return fn(await pool());
    }
  }

  const wrap = (c: Pick<pg.PoolClient, 'query'>): Queryable => ({
    async query<R>(text: string, params?: unknown[]): Promise<QueryResult<R>> {
      const r = await c.query(text, params as unknown[]);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
    async exec(text: string) {
      // No parameters: the simple query protocol, which allows several statements.
      await c.query(text);
    },
  });
  return {
    kind: 'postgres',
    query: (text, params) => withPool((p) => wrap(p).query(text, params)),
    exec: (text) => withPool((p) => wrap(p).exec(text)),
    async transaction(fn) {
      const client = await withPool((p) => p.connect());
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      const p = current;
      current = undefined;
      if (p) await (await p.catch(() => undefined))?.end();
    },
  };
}
