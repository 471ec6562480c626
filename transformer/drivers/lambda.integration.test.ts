/**
 * The Lambda handler with a recorded Kinesis event source mapping payload (real envelope records:
 * lake rows with a duplicate, dropped bots, a corrupt record), against S3 (s3rver) and PGlite.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Sql } from '../../lib/db/sql.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { databaseBackends } from '../../test/helpers/databases.ts';
import { createS3Store } from '../lake/s3-store.ts';
import { compactHour } from '../maintenance/compact.ts';
import { createDuckdbWriter } from '../parquet/duckdb.ts';
import { openDuckdb } from '../parquet/duckdb-sql.ts';
import type { ParquetWriter } from '../parquet/writer.ts';
import { createBatchProcessor } from '../process-batch.ts';
import { createSqlRollupStore } from '../rollups/sql-store.ts';
import { startS3rver, TEST_CREDENTIALS } from '../testing/s3rver.ts';
import { batchesOf, createKinesisHandler, type KinesisStreamEvent } from './lambda.ts';

const event = JSON.parse(
  readFileSync(new URL('./fixtures/kinesis-event.json', import.meta.url), 'utf8'),
) as KinesisStreamEvent;
const FIRST = event.Records[0].kinesis.sequenceNumber;
const LAST = event.Records.at(-1)!.kinesis.sequenceNumber;

let s3: Awaited<ReturnType<typeof startS3rver>>;
let db: Sql;
let done: () => Promise<void>;
let writer: ParquetWriter;
let scratch: string;
let bucketN = 0;

beforeAll(async () => {
  s3 = await startS3rver('lake');
  ({ db, done } = await databaseBackends()[0][2]());
  writer = await createDuckdbWriter();
  scratch = await mkdtemp(join(tmpdir(), 'alt-lambda-'));
});
afterAll(async () => {
  await writer?.close();
  await done?.();
  await s3?.stop();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  await db.query('TRUNCATE hits_hourly, transform_batches');
});

function wire(opts: { crashOnce?: boolean } = {}) {
  // A fresh prefix per test keeps tests apart in the one bucket.
  const store = createS3Store({
    bucket: 'lake',
    prefix: `t${bucketN++}`,
    endpoint: s3.endpoint,
    credentials: TEST_CREDENTIALS,
  });
  let crash = opts.crashOnce ?? false;
  const processor = createBatchProcessor({
    store,
    writer,
    rollups: createSqlRollupStore(db),
    beforeRollups() {
      if (crash) {
        crash = false;
        throw new Error('database unreachable');
      }
    },
  });
  return { store, handler: createKinesisHandler({ processor }) };
}

it('reads shard and sequence numbers from the event, in order', () => {
  const [b] = batchesOf({ Records: [...event.Records].reverse() });
  expect(b.shardId).toBe('shardId-000000000000');
  expect(b.records.map((r) => r.sequenceNumber)).toEqual(event.Records.map((r) => r.kinesis.sequenceNumber));
  expect(b.records[0].arrivedAt.toISOString()).toBe('2026-11-25T10:00:01.123Z');
});

it('writes raw, bad and hour-partitioned hits to S3 and rollups to the database', async () => {
  const { store, handler } = wire();
  expect(await handler(event)).toEqual({ batchItemFailures: [] });

  const name = `shardId-000000000000-${FIRST}-${LAST}`;
  expect((await store.list('')).map((o) => o.key)).toEqual([
    `bad/year=2026/month=11/day=25/hour=10/${name}.ndjson`,
    `hits/year=2026/month=11/day=25/hour=09/${name}.parquet`,
    `hits/year=2026/month=11/day=25/hour=10/${name}.parquet`,
    `raw/year=2026/month=11/day=25/hour=10/${name}.ndjson.gz`,
  ]);
  const duck = await openDuckdb();
  try {
    const file = join(scratch, 'h10.parquet');
    await store.download(`hits/year=2026/month=11/day=25/hour=10/${name}.parquet`, file);
    const rows = (
      await duck.conn.runAndReadAll(
        `SELECT log_id, status, status_code FROM read_parquet(${quoteLiteral(file)}) ORDER BY log_id`,
      )
    ).getRowObjectsJS();
    expect(rows).toEqual([
      { log_id: '0193a1b2-0000-7000-8000-000000000001', status: null, status_code: 200 },
      { log_id: '0193a1b2-0000-7000-8000-000000000003', status: 'FAILED', status_code: 500 },
    ]);
  } finally {
    duck.close();
  }
  const bad = Buffer.from(
    (await store.get(`bad/year=2026/month=11/day=25/hour=10/${name}.ndjson`))!,
  ).toString();
  expect(JSON.parse(bad)).toMatchObject({
    sequence_number: LAST,
    reason: expect.stringMatching(/^corrupt gzip body/),
  });

  const r = await db.query<{ hour: Date; hits: number; dropped: number }>(
    'SELECT hour, sum(hits)::int AS hits, sum(dropped_bots)::int AS dropped FROM hits_hourly GROUP BY hour ORDER BY hour',
  );
  expect(r.rows.map((x) => [x.hour.toISOString(), x.hits, x.dropped])).toEqual([
    ['2026-11-25T09:00:00.000Z', 1, 0],
    ['2026-11-25T10:00:00.000Z', 2, 1],
  ]);
});

it('reports the first sequence number on failure; the retried event is counted once', async () => {
  const { handler } = wire({ crashOnce: true });
  expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: FIRST }] });
  expect((await db.query('SELECT * FROM transform_batches')).rows).toHaveLength(0);
  expect(await handler(event)).toEqual({ batchItemFailures: [] });
  expect(await handler(event)).toEqual({ batchItemFailures: [] }); // at-least-once redelivery
  const r = await db.query<{ hits: number; n: number }>(
    'SELECT sum(hits)::int AS hits, (SELECT count(*)::int FROM transform_batches) AS n FROM hits_hourly',
  );
  expect(r.rows[0]).toEqual({ hits: 3, n: 1 });
});

it('compacts an hour on S3: one compacted object, inputs deleted, rollups recomputed', async () => {
  const { store, handler } = wire();
  await handler(event);
  const rollups = createSqlRollupStore(db);
  const r = await compactHour({ store, rollups }, 'year=2026/month=11/day=25/hour=10');
  expect(r).toMatchObject({ inputs: 1, rowsIn: 2, rowsOut: 2 });
  expect((await store.list('hits/')).map((o) => o.key)).toEqual([
    expect.stringMatching(/^hits\/year=2026\/month=11\/day=25\/hour=09\/shardId-/),
    'hits/year=2026/month=11/day=25/hour=10/compacted.parquet',
  ]);
  const h = await db.query<{ hits: number; dropped: number }>(
    "SELECT sum(hits)::int AS hits, sum(dropped_bots)::int AS dropped FROM hits_hourly WHERE hour = '2026-11-25T10:00:00Z'",
  );
  expect(h.rows[0]).toEqual({ hits: 2, dropped: 1 });
});
