/**
 * The one-shot migration Lambda: reads the RDS-managed master secret, connects to Aurora over TLS
 * and applies `auroraMigrations()` (idempotent: applied ids are recorded). Invoked by the stack on
 * every deploy whose migration set changed. The connection string comes from the same
 * `lib/db/aurora-secret.ts` as the transformer's (DATABASE_URL, when set, wins).
 *
 * The stack invokes it right after the cluster's writer is created, and an Aurora Serverless v2
 * writer can take minutes more to accept connections: the connection is retried with exponential
 * backoff until shortly before the invocation's own timeout, then the handler fails naming the
 * host, the attempts and the last error.
 */

import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import {
  auroraSslFor,
  type GetSecretString,
  getSecretStringFromRuntime,
  resolveDatabaseUrl,
} from '../../lib/db/aurora-secret.ts';
import { createPostgres, migrate } from '../../lib/db/index.ts';
import { connectionTarget } from '../../lib/db/postgres.ts';

/** The part of the Lambda context the handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface RetryOptions {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Time budget when there is no Lambda context (a local run). */
  budgetMs?: number;
  /** Kept free at the end of the budget for the migrations themselves and for closing. */
  marginMs?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** One connection attempt's limit: a packet-dropping endpoint would otherwise hang for minutes. */
  attemptTimeoutMs?: number;
}

const DEFAULTS = {
  budgetMs: 270_000,
  marginMs: 30_000,
  firstDelayMs: 1_000,
  maxDelayMs: 20_000,
  attemptTimeoutMs: 10_000,
};

/**
 * Errors of a server that is not there yet (or not yet accepting): the socket is refused, reset,
 * times out or has no route, the name does not resolve yet, or PostgreSQL answers 57P03
 * (cannot_connect_now: "the database system is starting up"). Anything else — a refused password,
 * a missing database — will not change by waiting.
 */
export function isNotReadyYet(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENOTFOUND',
    'EAI_AGAIN',
  ];
  if (e?.code && (codes.includes(e.code) || e.code === '57P03')) return true;
  return /Connection terminated|timeout expired|connection timeout/i.test(e?.message ?? '');
}

const describeError = (err: unknown): string => {
  const e = err as { code?: string; message?: string };
  const msg = e?.message || String(err);
  return e?.code && !msg.includes(e.code) ? `${e.code} ${msg}` : msg;
};

/**
 * Connects once (and disconnects) with backoff until it succeeds or the deadline would pass.
 * Returns the number of attempts.
 */
export async function waitForDatabase(
  url: string,
  deadlineMs: number,
  opts: Required<Pick<RetryOptions, 'sleep' | 'now' | 'firstDelayMs' | 'maxDelayMs' | 'attemptTimeoutMs'>>,
  ssl?: ConnectionOptions,
): Promise<number> {
  const started = opts.now();
  let delay = opts.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({
      ...connectionTarget(url, ssl),
      connectionTimeoutMillis: Math.max(1_000, Math.min(opts.attemptTimeoutMs, deadlineMs - opts.now())),
    });
    // A socket error after a failed connect must not become an unhandled 'error' event.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return attempt;
    } catch (err) {
      await client.end().catch(() => {});
      const wait = Math.min(delay, opts.maxDelayMs);
      if (!isNotReadyYet(err) || opts.now() + wait >= deadlineMs) {
        const host = new URL(url).host;
        const seconds = Math.round((opts.now() - started) / 1000);
        throw new Error(
          isNotReadyYet(err)
            ? `migrate: database ${host} not reachable after ${attempt} attempt(s) over ${seconds} s, stopping before the Lambda's timeout (last error: ${describeError(err)}). A new Aurora Serverless v2 writer can take several minutes to become available: run \`pulumi up\` again once the cluster instance is available.`
            : `migrate: cannot connect to ${host}: ${describeError(err)}`,
          { cause: err },
        );
      }
      console.log(
        JSON.stringify({
          msg: 'database not ready, retrying',
          attempt,
          waitMs: wait,
          error: describeError(err),
        }),
      );
      await opts.sleep(wait);
      delay = wait * 2;
    }
  }
}

export function createMigrateHandler(
  env: NodeJS.ProcessEnv = process.env,
  getSecretString: GetSecretString = getSecretStringFromRuntime,
  retry: RetryOptions = {},
) {
  const o = {
    ...DEFAULTS,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    now: Date.now,
    ...retry,
  };
  return async (
    _event?: unknown,
    context?: Partial<LambdaContext>,
  ): Promise<{ applied: string[]; attempts: number }> => {
    const start = o.now();
    const budget = context?.getRemainingTimeInMillis?.() ?? o.budgetMs;
    const deadline = start + budget - o.marginMs;
    // Fetched on every invocation: it runs once per deploy, after any rotation.
    const url = await resolveDatabaseUrl(env, getSecretString);
    // TLS verified against the RDS CAs (lib/db/aurora-tls.ts), for the probe and the migration alike.
    const ssl = auroraSslFor(env);
    const attempts = await waitForDatabase(url, deadline, o, ssl);
    const db = createPostgres({ connectionString: url, max: 1, ssl });
    try {
      return { applied: await migrate(db), attempts };
    } finally {
      await db.close();
    }
  };
}

export const handler = createMigrateHandler();
