/**
 * The deployed Lambda's entry point (`handler`): wires the S3 lake and PostgreSQL rollups from the
 * environment — ALT_LAKE_BUCKET, ALT_LAKE_PREFIX (optional), ALT_S3_ENDPOINT (optional),
 * DATABASE_URL, AWS_REGION — once per container, applying migrations on cold start (advisory-locked).
 */
import { migrate } from '../../lib/db/migrate.ts';
import { createPostgres } from '../../lib/db/postgres.ts';
import { createS3Store } from '../lake/s3-store.ts';
import { createDuckdbWriter } from '../parquet/duckdb.ts';
import { createBatchProcessor } from '../process-batch.ts';
import { createSqlRollupStore } from '../rollups/sql-store.ts';
import { createKinesisHandler, type KinesisStreamEvent } from './lambda.ts';

let ready: Promise<ReturnType<typeof createKinesisHandler>> | undefined;

async function wire() {
  const bucket = process.env.ALT_LAKE_BUCKET;
  const databaseUrl = process.env.DATABASE_URL;
  if (!bucket) throw new Error('ALT_LAKE_BUCKET is not set');
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  const db = createPostgres({ connectionString: databaseUrl, max: 2 });
  await migrate(db);
  const store = createS3Store({
    bucket,
    prefix: process.env.ALT_LAKE_PREFIX,
    endpoint: process.env.ALT_S3_ENDPOINT,
    region: process.env.AWS_REGION,
  });
  const processor = createBatchProcessor({
    store,
    writer: await createDuckdbWriter(),
    rollups: createSqlRollupStore(db),
  });
  return createKinesisHandler({
    processor,
    log: (msg, fields) => console.log(JSON.stringify({ msg, ...fields })),
  });
}

export async function handler(event: KinesisStreamEvent) {
  ready ??= wire().catch((err) => {
    ready = undefined;
    throw err;
  });
  return (await ready)(event);
}
