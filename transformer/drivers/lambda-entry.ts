/**
 * The deployed Lambda's entry point (`handler`): wires the S3 lake and PostgreSQL rollups from the
 * environment through the config loader (lib/config.ts) — ALT_LAKE_BUCKET, ALT_LAKE_PREFIX
 * (optional), ALT_S3_ENDPOINT (optional), AWS_REGION, and the database (lib/db/connect.ts): as the
 * stack sets it, ALT_DATABASE_HOST + ALT_DATABASE_USER (the `alt_transformer` role, IAM token auth,
 * TLS verified) — once per container. That role may not change the schema: the stack's migration
 * Lambda applies migrations before the event source mapping exists, so a cold start only checks the
 * schema is current. With DATABASE_URL (local, tests) or the
 * master secret (ALT_DATABASE_SECRET_ARN) it applies them itself (advisory-locked).
 */
import { loadConfig } from '../../lib/config.ts';
import {
  createDatabaseUrlResolver,
  type DatabaseUrlResolver,
  type GetSecretString,
} from '../../lib/db/aurora-secret.ts';
import {
  type ConnectDeps,
  databaseSettings,
  openLambdaDatabase,
  prepareSchema,
} from '../../lib/db/connect.ts';
import type { SignToken } from '../../lib/db/iam-auth.ts';
import { createS3Store } from '../lake/s3-store.ts';
import { writeEmf } from '../metrics-emf.ts';
import { createDuckdbWriter } from '../parquet/duckdb.ts';
import { createBatchProcessor } from '../process-batch.ts';
import { createSqlRollupStore } from '../rollups/sql-store.ts';
import { createKinesisHandler, type KinesisStreamEvent } from './lambda.ts';

export interface LambdaEntryOptions {
  /** The environment the config is loaded from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** Secrets Manager access; the runtime's SDK by default (tests pass a fake). */
  getSecretString?: GetSecretString;
  /** IAM token signing; `@aws-sdk/rds-signer` by default (tests pass credentials or a fake). */
  sign?: SignToken;
  /** A local test server in place of Aurora (see `ConnectDeps`). */
  testServer?: ConnectDeps['testServer'];
}

/** The handler, wired lazily on the first event; a failed wiring is retried on the next one. */
export function createLambdaEntry(opts: LambdaEntryOptions = {}) {
  const env = opts.env ?? process.env;
  // The URL is cached apart from the wiring: a cold start whose migration fails does not fetch
  // the secret again on the retry.
  let databaseUrl: DatabaseUrlResolver | undefined;
  let ready: Promise<ReturnType<typeof createKinesisHandler>> | undefined;

  async function wire() {
    // Loaded here, not at import: a bad setting fails the event (and is retried), not the module.
    const config = loadConfig({}, env);
    const bucket = config.lakeBucket;
    if (!bucket) throw new Error('ALT_LAKE_BUCKET is not set');
    databaseUrl ??= createDatabaseUrlResolver({
      env: {
        DATABASE_URL: config.databaseUrl,
        ALT_DATABASE_HOST: config.databaseHost,
        ALT_DATABASE_SECRET_ARN: config.databaseSecretArn,
      },
      getSecretString: opts.getSecretString,
    });
    // With the master secret, a refused login (the secret rotated) rebuilds the pool with the secret
    // read again, so a warm container survives a rotation; IAM tokens are signed per connection.
    const opened = openLambdaDatabase(databaseSettings(config), {
      secretUrl: databaseUrl,
      sign: opts.sign,
      testServer: opts.testServer,
      max: 2,
    });
    const { db } = opened;
    try {
      await prepareSchema(opened);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    const store = createS3Store({
      bucket,
      prefix: config.lakePrefix,
      endpoint: config.s3Endpoint,
      region: config.awsRegion,
    });
    const processor = createBatchProcessor({
      store,
      writer: await createDuckdbWriter(),
      rollups: createSqlRollupStore(db),
    });
    return createKinesisHandler({
      processor,
      log: (msg, fields) => console.log(JSON.stringify({ msg, ...fields })),
      onBatch: (r) => writeEmf(r.outcomes),
    });
  }

  return async (event: KinesisStreamEvent) => {
    ready ??= wire().catch((err) => {
      ready = undefined;
      throw err;
    });
    return (await ready)(event);
  };
}

export const handler = createLambdaEntry();
