/**
 * The one-shot migration Lambda: reads the RDS-managed master secret, connects to Aurora over TLS
 * and applies `auroraMigrations()` (idempotent: applied ids are recorded). Invoked by the stack on
 * every deploy whose migration set changed. The connection string comes from the same
 * `lib/db/aurora-secret.ts` as the transformer's (DATABASE_URL, when set, wins).
 */
import {
  auroraSslFor,
  type GetSecretString,
  getSecretStringFromRuntime,
  resolveDatabaseUrl,
} from '../../lib/db/aurora-secret.ts';
import { createPostgres, migrate } from '../../lib/db/index.ts';

export function createMigrateHandler(
  env: NodeJS.ProcessEnv = process.env,
  getSecretString: GetSecretString = getSecretStringFromRuntime,
) {
  return async (): Promise<{ applied: string[] }> => {
    // Fetched on every invocation: it runs once per deploy, after any rotation.
    const db = createPostgres({
      connectionString: await resolveDatabaseUrl(env, getSecretString),
      max: 1,
      // TLS verified against the RDS CAs (lib/db/aurora-tls.ts) for the secret's URL.
      ssl: auroraSslFor(env),
    });
    try {
      return { applied: await migrate(db) };
    } finally {
      await db.close();
    }
  };
}

export const handler = createMigrateHandler();
