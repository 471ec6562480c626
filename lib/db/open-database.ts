/**
 * One way to open the project's database from the typed config, for every component that is
 * configured by it (collector, `alt dev`, local transformer, CLI). The Lambdas load the same config
 * from their environment and open it with `openLambdaDatabase(databaseSettings(config))` from
 * connect.ts, which never falls back to PGlite (and keeps PGlite out of their bundles).
 */
import type { Config } from '../config.ts';
import { dataDirLayout } from '../data-dir.ts';
import type { DatabaseUrlResolver } from './aurora-secret.ts';
import {
  type ConnectDeps,
  databaseSettings,
  openServerDatabase,
  prepareSchema,
  type ServerDatabaseConfig,
} from './connect.ts';
import { migrate } from './migrate.ts';
import { createPglite } from './pglite.ts';
import { createSecretsManagerReader } from './secrets-manager.ts';
import type { Sql } from './sql.ts';

/**
 * `DATABASE_URL` when set; else Aurora — as the component's own role with an IAM token
 * (`databaseHost` + `databaseUser`, as the stack runs it: the role may not change the schema, so
 * the schema is checked, not migrated), or with the master secret (`databaseSecretArn`, re-read
 * when a rotation makes it stale); else PGlite in the data directory (created and migrated).
 */
export type DatabaseConfig = Pick<Config, 'dataDir'> & ServerDatabaseConfig;

export async function openDatabase(
  config: DatabaseConfig,
  deps: { secretUrl?: DatabaseUrlResolver } & Pick<ConnectDeps, 'sign' | 'testServer' | 'max'> = {},
): Promise<Sql> {
  const server = openServerDatabase(databaseSettings(config), {
    ...deps,
    getSecretString: deps.secretUrl ? undefined : createSecretsManagerReader(),
  });
  if (!server) {
    const db = await createPglite(dataDirLayout(config.dataDir).pg);
    await migrate(db);
    return db;
  }
  try {
    await prepareSchema(server);
  } catch (err) {
    await server.db.close().catch(() => {});
    throw err;
  }
  return server.db;
}
