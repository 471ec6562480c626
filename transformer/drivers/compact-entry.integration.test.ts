/**
 * The compaction Lambda's entry against S3 (s3rver) and PostgreSQL 15: the recorded Kinesis event
 * delivered twice under different sequence numbers (a producer retry) leaves two files and a
 * duplicate per row in its hours; the scheduled run merges each closed hour into one file
 * without the duplicates and sets the rollups to what the lake holds; a late file reopens it.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../lib/db/migrate.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import { createS3Store } from '../lake/s3-store.ts';
import { createDuckdbWriter } from '../parquet/duckdb.ts';
import { openDuckdb } from '../parquet/duckdb-sql.ts';
import type { ParquetWriter } from '../parquet/writer.ts';
import { createBatchProcessor } from '../process-batch.ts';
import { createSqlRollupStore } from '../rollups/sql-store.ts';
import { startS3rver, TEST_CREDENTIALS } from '../testing/s3rver.ts';
import { createCompactEntry } from './compact-entry.ts';
import { createKinesisHandler, type KinesisStreamEvent } from './lambda.ts';

const recorded = readFileSync(new URL('./fixtures/kinesis-event.json', import.meta.url), 'utf8');
/** The recorded event with its sequence numbers moved: the same hits delivered again. */
const redelivered = (n: number) =>
  JSON.parse(
    recorded.replaceAll('4965920391125543541238', `49659203911255435412${38 + n}`),
  ) as KinesisStreamEvent;

const H09 = 'year=2026/month=11/day=25/hour=09';
const H10 = 'year=2026/month=11/day=25/hour=10';

let s3: Awaited<ReturnType<typeof startS3rver>>;
let t: { db: Sql; schema: string; drop(): Promise<void> };
let writer: ParquetWriter;
let scratch: string;

beforeAll(async () => {
  s3 = await startS3rver('lake');
  t = await createTestSchema();
  await migrate(t.db);
  writer = await createDuckdbWriter();
  scratch = await mkdtemp(join(tmpdir(), 'alt-compact-entry-'));
  // The entry's S3 client reads credentials the way the Lambda's does: from the environment.
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await writer?.close();
  await t?.drop();
  await s3?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('compaction Lambda entry', () => {
  const store = () => createS3Store({ bucket: 'lake', endpoint: s3.endpoint, credentials: TEST_CREDENTIALS });
  const transform = (event: KinesisStreamEvent) =>
    createKinesisHandler({
      processor: createBatchProcessor({ store: store(), writer, rollups: createSqlRollupStore(t.db) }),
    })(event);
  const entry = (at: string) => {
    const url = new URL(databaseUrl!);
    url.searchParams.set('options', `-c search_path=${t.schema}`);
    return createCompactEntry({
      env: { ALT_LAKE_BUCKET: 'lake', ALT_S3_ENDPOINT: s3.endpoint, DATABASE_URL: url.toString() },
      now: () => new Date(at),
    });
  };
  const hitKeys = async () => (await store().list('hits/')).map((o) => o.key);
  /** Rows per hour in the lake files and in the rollups. */
  async function lakeAndRollups() {
    const duck = await openDuckdb();
    const lake: Record<string, number> = {};
    try {
      for (const [i, key] of (await hitKeys()).entries()) {
        const file = join(scratch, `${i}.parquet`);
        await store().download(key, file);
        const r = (
          await duck.conn.runAndReadAll(
            `SELECT count(*)::INTEGER AS n FROM read_parquet(${quoteLiteral(file)})`,
          )
        ).getRowObjectsJS();
        const hour = key.split('/').slice(1, 5).join('/');
        lake[hour] = (lake[hour] ?? 0) + Number(r[0].n);
      }
    } finally {
      duck.close();
    }
    const r = await t.db.query<{ hour: Date; hits: number }>(
      'SELECT hour, sum(hits)::int AS hits FROM hits_hourly GROUP BY hour ORDER BY hour',
    );
    const rollups = Object.fromEntries(
      r.rows.map((x) => [
        `year=2026/month=11/day=25/hour=${String(x.hour.getUTCHours()).padStart(2, '0')}`,
        x.hits,
      ]),
    );
    return { lake, rollups };
  }

  it('merges each closed hour into one file without duplicates; rollups equal the lake', async () => {
    await transform(redelivered(0));
    await transform(redelivered(1));
    expect((await hitKeys()).filter((k) => k.includes(H10))).toHaveLength(2);
    // Both deliveries were counted: the ledger tells batches apart by sequence numbers.
    expect(await lakeAndRollups()).toEqual({ lake: { [H09]: 2, [H10]: 4 }, rollups: { [H09]: 2, [H10]: 4 } });

    // 10:00 is open until 11:00 plus 15 minutes of grace: only 09:00 is due at 11:10.
    expect((await entry('2026-11-25T11:10:00Z')({})).compacted.map((c) => c.partition)).toEqual([H09]);
    const run = await entry('2026-11-25T11:30:00Z')({});
    expect(run).toEqual({
      compacted: [{ partition: H10, inputs: 2, rowsIn: 4, rowsOut: 2 }],
      deferred: [],
    });
    expect(await hitKeys()).toEqual([`hits/${H09}/compacted.parquet`, `hits/${H10}/compacted.parquet`]);
    expect(await lakeAndRollups()).toEqual({ lake: { [H09]: 1, [H10]: 2 }, rollups: { [H09]: 1, [H10]: 2 } });

    // Nothing changed since: nothing to do.
    expect(await entry('2026-11-25T11:45:00Z')(null)).toEqual({ compacted: [], deferred: [] });
  });

  it('compacts a compacted hour again when a late file arrives, and takes explicit hours', async () => {
    await transform(redelivered(2));
    const run = await entry('2026-11-25T12:00:00Z')({});
    expect(run.compacted).toEqual([
      { partition: H09, inputs: 2, rowsIn: 2, rowsOut: 1 },
      { partition: H10, inputs: 2, rowsIn: 4, rowsOut: 2 },
    ]);
    expect(await lakeAndRollups()).toEqual({ lake: { [H09]: 1, [H10]: 2 }, rollups: { [H09]: 1, [H10]: 2 } });

    // Outside the lookback window nothing is due; naming the hour compacts it anyway.
    await transform(redelivered(3));
    expect(await entry('2026-11-28T12:00:00Z')({})).toEqual({ compacted: [], deferred: [] });
    const backfill = await entry('2026-11-28T12:00:00Z')({ hours: ['2026-11-25T10'] });
    expect(backfill.compacted.map((c) => c.partition)).toEqual([H10]);
    expect((await hitKeys()).filter((k) => k.includes(H10))).toEqual([`hits/${H10}/compacted.parquet`]);
  });

  it('leaves due hours to the next run when the invocation is near its timeout', async () => {
    await transform(redelivered(4));
    const run = entry('2026-11-25T12:00:00Z');
    expect(await run({}, { getRemainingTimeInMillis: () => 59_000 })).toEqual({
      compacted: [],
      deferred: [H09, H10],
    });
    expect((await run({}, { getRemainingTimeInMillis: () => 300_000 })).compacted).toHaveLength(2);
  });

  it('refuses a malformed event before touching the lake', async () => {
    await expect(entry('2026-11-25T12:00:00Z')({ lookbackHours: -1 })).rejects.toThrow(
      '"lookbackHours" must be an integer from 1 to 744',
    );
    await expect(entry('2026-11-25T12:00:00Z')({ hours: ['yesterday'] })).rejects.toThrow(
      'expected an hour as YYYY-MM-DDTHH',
    );
  });
});
