/**
 * The deployed Lambda's entry point (`handler`): wires the S3 lake and PostgreSQL rollups from the
 * environment — ALT_LAKE_BUCKET, ALT_LAKE_PREFIX (optional), ALT_S3_ENDPOINT (optional), AWS_REGION,
 * and the database: DATABASE_URL, or (as the stack sets it) ALT_DATABASE_HOST + ALT_DATABASE_SECRET_ARN,
 * the RDS-managed secret — once per container, applying migrations on cold start (advisory-locked).
 */
import {
  createDatabaseUrlResolver,
  type DatabaseEnv,
  type GetSecretString,
} from '../../lib/db/aurora-secret.ts';
import { migrate } from '../../lib/db/migrate.ts';
import { createPostgres } from '../../lib/db/postgres.ts';
import { createS3Store } from '../lake/s3-store.ts';
import { writeEmf } from '../metrics-emf.ts';
import { createDuckdbWriter } from '../parquet/duckdb.ts';
import { createBatchProcessor } from '../process-batch.ts';
import { createSqlRollupStore } from '../rollups/sql-store.ts';
import { createKinesisHandler, type KinesisStreamEvent } from './lambda.ts';

type LambdaEnv = DatabaseEnv & {
  ALT_LAKE_BUCKET?: string;
  ALT_LAKE_PREFIX?: string;
  ALT_S3_ENDPOINT?: string;
  AWS_REGION?: string;
};

export interface LambdaEntryOptions {
  env?: LambdaEnv;
  /** Secrets Manager access; the runtime's SDK by default (tests pass a fake). */
  getSecretString?: GetSecretString;
}

/** The handler, wired lazily on the first event; a failed wiring is retried on the next one. */
export function createLambdaEntry(opts: LambdaEntryOptions = {}) {
  const env = opts.env ?? (process.env as LambdaEnv);
  // The URL is cached apart from the wiring: a cold start whose migration fails does not fetch
  // the secret again on the retry.
  const databaseUrl = createDatabaseUrlResolver({ env, getSecretString: opts.getSecretString });
  let ready: Promise<ReturnType<typeof createKinesisHandler>> | undefined;

  async function wire() {
    const bucket = env.ALT_LAKE_BUCKET;
    if (!bucket) throw new Error('ALT_LAKE_BUCKET is not set');
    // The URL comes from the secret; when the server refuses it (the secret rotated), the pool is
    // rebuilt with the secret read again, so a warm container survives a rotation.
    const db = createPostgres({
      connectionString: databaseUrl,
      onAuthFailure: databaseUrl.invalidate,
      max: 2,
    });
    try {
      await migrate(db);
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    const store = createS3Store({
      bucket,
      prefix: env.ALT_LAKE_PREFIX,
      endpoint: env.ALT_S3_ENDPOINT,
      region: env.AWS_REGION,
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
