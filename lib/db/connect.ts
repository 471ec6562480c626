/**
 * Which database a component opens, and with what rights, from the settings every component reads
 * through the config loader (lib/config.ts; `databaseSettings` maps them):
 *
 *   DATABASE_URL                                   → that server, as its user (local, tests): migrates
 *   ALT_DATABASE_HOST + ALT_DATABASE_USER          → Aurora as the component's own role with an IAM
 *                                                    token (the stack): may not migrate, checks instead
 *   ALT_DATABASE_HOST + ALT_DATABASE_SECRET_ARN    → Aurora as the master user (migration Lambda, or by
 *                                                    hand): migrates
 *
 * Aurora connections verify TLS against the RDS CAs unless ALT_DATABASE_TLS=no-verify.
 */
import type { Config } from '../config.ts';
import {
  createDatabaseUrlResolver,
  type DatabaseUrlResolver,
  type GetSecretString,
} from './aurora-secret.ts';
import { type AuroraTls, auroraSsl } from './aurora-tls.ts';
import { iamConnection, type SignToken } from './iam-auth.ts';
import { assertMigrated, migrate } from './migrate.ts';
import { createPostgres } from './postgres.ts';
import type { Sql } from './sql.ts';

export interface DatabaseSettings {
  url?: string;
  host?: string;
  user?: string;
  secretArn?: string;
  tls?: AuroraTls;
  region?: string;
}

export interface ConnectDeps {
  /** Token signing (the SDK boundary); `@aws-sdk/rds-signer` by default. */
  sign?: SignToken;
  /** The master secret's URL (cached, re-read after a refused login). */
  secretUrl?: DatabaseUrlResolver;
  getSecretString?: GetSecretString;
  max?: number;
  /**
   * Points the Aurora settings at a local test server: its port, database and schema, no TLS (the
   * test server has none). Never set outside tests.
   */
  testServer?: { port?: number; database?: string; schema?: string };
}

export interface ServerDatabase {
  db: Sql;
  /** `iam`: a component role that may read and write its tables but not change the schema. */
  auth: 'url' | 'iam' | 'secret';
}

/** The config's database settings (every component loads them with lib/config.ts). */
export type ServerDatabaseConfig = Partial<
  Pick<
    Config,
    'databaseUrl' | 'databaseHost' | 'databaseSecretArn' | 'databaseUser' | 'databaseTls' | 'awsRegion'
  >
>;

export function databaseSettings(config: ServerDatabaseConfig): DatabaseSettings {
  return {
    url: config.databaseUrl,
    host: config.databaseHost,
    user: config.databaseUser,
    secretArn: config.databaseSecretArn,
    tls: config.databaseTls,
    region: config.awsRegion,
  };
}

/** Opens the server database the settings name, or returns undefined when they name none. */
export function openServerDatabase(s: DatabaseSettings, deps: ConnectDeps = {}): ServerDatabase | undefined {
  const { max, testServer } = deps;
  if (s.url) return { db: createPostgres({ connectionString: s.url, max }), auth: 'url' };
  if (!s.host) {
    if (s.user || s.secretArn)
      throw new Error('ALT_DATABASE_USER and ALT_DATABASE_SECRET_ARN need ALT_DATABASE_HOST');
    return undefined;
  }
  if (s.user && s.secretArn) {
    throw new Error(
      'set one of ALT_DATABASE_USER (IAM auth as that role) and ALT_DATABASE_SECRET_ARN (the master secret), not both',
    );
  }
  const ssl = testServer ? false : auroraSsl(s.tls);
  if (s.user) {
    if (!s.region) throw new Error('IAM database auth needs AWS_REGION');
    const connection = iamConnection(
      {
        host: s.host,
        user: s.user,
        region: s.region,
        port: testServer?.port,
        database: testServer?.database,
      },
      { sign: deps.sign, ssl },
    );
    return { db: createPostgres({ connection, max, schema: testServer?.schema }), auth: 'iam' };
  }
  if (!s.secretArn) {
    throw new Error('ALT_DATABASE_HOST needs ALT_DATABASE_USER (IAM auth) or ALT_DATABASE_SECRET_ARN');
  }
  const url =
    deps.secretUrl ??
    createDatabaseUrlResolver({
      env: { ALT_DATABASE_HOST: s.host, ALT_DATABASE_SECRET_ARN: s.secretArn },
      getSecretString: deps.getSecretString,
    });
  return {
    db: createPostgres({
      connectionString: url,
      onAuthFailure: url.invalidate,
      max,
      ...(ssl ? { ssl } : {}),
    }),
    auth: 'secret',
  };
}

/** A Lambda's database (settings from the config loader); a Lambda without one is misconfigured. */
export function openLambdaDatabase(s: DatabaseSettings, deps: ConnectDeps = {}): ServerDatabase {
  const opened = openServerDatabase(s, deps);
  if (!opened) {
    throw new Error(
      'set ALT_DATABASE_HOST with ALT_DATABASE_USER (IAM auth) or ALT_DATABASE_SECRET_ARN, or DATABASE_URL',
    );
  }
  return opened;
}

/**
 * Brings the schema up to date where these credentials may (the owner's), and otherwise checks
 * that the migration already did: a component role gets a clear error rather than a missing table.
 */
export async function prepareSchema({
  db,
  auth,
}: ServerDatabase | { db: Sql; auth: 'local' }): Promise<void> {
  if (auth === 'iam') await assertMigrated(db);
  else await migrate(db);
}
