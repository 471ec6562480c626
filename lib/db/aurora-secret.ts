/**
 * The PostgreSQL connection string of a deployed Lambda. `DATABASE_URL` wins when set; otherwise
 * the stack's `ALT_DATABASE_HOST` + `ALT_DATABASE_SECRET_ARN` (the RDS-managed master secret, a JSON
 * `{"username","password"}`) are turned into one. Shared by the transformer and migration Lambdas
 * so there is one implementation. Secrets Manager is reached through an injected
 * `GetSecretString`, so everything but the SDK call is testable without AWS.
 */

import type { ConnectionOptions } from 'node:tls';
import { auroraSsl } from './aurora-tls.ts';

/** Port and database name of the Aurora cluster; must match `infra/components/aurora.ts`. */
export const AURORA_PORT = 5432;
export const AURORA_DATABASE = 'alt';

/**
 * The `sslmode` written into the URL. Callers that reach Aurora pass `ssl` options to
 * `createPostgres` (`auroraSslFor`), which replace it and verify against the bundled RDS CAs.
 */
export type AuroraSslMode = 'no-verify' | 'verify-full';

export interface AuroraTarget {
  host: string;
  port?: number;
  database?: string;
  sslmode?: AuroraSslMode;
}

/** Secret JSON + host → `postgres://user:pass@host:port/db?sslmode=…` (user and password URL-encoded). */
export function auroraConnectionString(secretString: string | undefined, target: AuroraTarget): string {
  if (!target.host) throw new Error('aurora secret: host is empty');
  if (!secretString) throw new Error('aurora secret: the secret has no SecretString');
  let secret: unknown;
  try {
    secret = JSON.parse(secretString);
  } catch {
    // Never echo the secret text: it holds the password.
    throw new Error('aurora secret: SecretString is not JSON');
  }
  const { username, password } = (secret ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) {
    throw new Error('aurora secret: expected string "username" and "password" fields');
  }
  const port = target.port ?? AURORA_PORT;
  const database = target.database ?? AURORA_DATABASE;
  const sslmode = target.sslmode ?? 'no-verify';
  return `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${target.host}:${port}/${encodeURIComponent(database)}?sslmode=${sslmode}`;
}

/** Returns the secret's `SecretString` (undefined for a binary secret). */
export type GetSecretString = (secretArn: string) => Promise<string | undefined>;

interface SecretsManagerModule {
  SecretsManagerClient: new (c: object) => { send(cmd: unknown): Promise<{ SecretString?: string }> };
  GetSecretValueCommand: new (input: { SecretId: string }) => unknown;
}

// The Lambda Node.js runtimes (nodejs24.x here) ship AWS SDK v3; this project does not depend on the Secrets Manager
// client, so it is loaded from the runtime (a non-literal specifier keeps it out of the bundle).
const SECRETS_MANAGER = '@aws-sdk/client-secrets-manager';

/** The real `GetSecretString`, through the SDK the Lambda runtime provides. */
export const getSecretStringFromRuntime: GetSecretString = async (secretArn) => {
  const sm = (await import(SECRETS_MANAGER)) as SecretsManagerModule;
  const out = await new sm.SecretsManagerClient({}).send(
    new sm.GetSecretValueCommand({ SecretId: secretArn }),
  );
  return out.SecretString;
};

export interface DatabaseEnv {
  DATABASE_URL?: string;
  ALT_DATABASE_HOST?: string;
  ALT_DATABASE_SECRET_ARN?: string;
}

/** `DATABASE_URL` if set, else the URL built from the host and the secret it fetches. */
export async function resolveDatabaseUrl(
  env: DatabaseEnv,
  getSecretString: GetSecretString = getSecretStringFromRuntime,
): Promise<string> {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const host = env.ALT_DATABASE_HOST;
  const secretArn = env.ALT_DATABASE_SECRET_ARN;
  if (!host || !secretArn) {
    throw new Error('set DATABASE_URL, or ALT_DATABASE_HOST and ALT_DATABASE_SECRET_ARN');
  }
  return auroraConnectionString(await getSecretString(secretArn), { host });
}

/**
 * The TLS options for a URL `resolveDatabaseUrl` built from the secret: verified against the RDS
 * CAs (ALT_DATABASE_TLS=no-verify to only encrypt). Undefined for DATABASE_URL, whose own sslmode
 * applies.
 */
export function auroraSslFor(
  env: DatabaseEnv & { ALT_DATABASE_TLS?: string },
): ConnectionOptions | undefined {
  if (env.DATABASE_URL) return undefined;
  return auroraSsl(env.ALT_DATABASE_TLS === 'no-verify' ? 'no-verify' : 'verify-full');
}

/** The cached database URL, and a way to drop it when the server refuses it. */
export interface DatabaseUrlResolver {
  (): Promise<string>;
  /** Forget the URL: the next call reads the secret again (after a password rotation). */
  invalidate(): void;
}

/**
 * `resolveDatabaseUrl` once per process (a warm Lambda container does not call Secrets Manager
 * again) until `invalidate()` — which `createPostgres` calls when the server refuses the password,
 * as it does after the RDS-managed secret rotates (every 7 days by default). A failure is not
 * cached: the next call tries again. `env` is read on the first call.
 */
export function createDatabaseUrlResolver(
  opts: { env?: DatabaseEnv; getSecretString?: GetSecretString } = {},
): DatabaseUrlResolver {
  let url: Promise<string> | undefined;
  const resolve = () => {
    url ??= resolveDatabaseUrl(opts.env ?? process.env, opts.getSecretString).catch((err) => {
      url = undefined;
      throw err;
    });
    return url;
  };
  return Object.assign(resolve, {
    invalidate() {
      url = undefined;
    },
  });
}
