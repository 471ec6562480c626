/** `purgeApp` on an S3 lake (s3rver): the same purge as on a local lake, through the `ObjectStore`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckdbEngine } from '../../query/duckdb-engine.ts';
import { decodeEnvelope, EnvelopeKind, encodeRows } from '../../stream/envelope.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';
import { createFsStore } from '../../transformer/lake/fs-store.ts';
import type { ObjectStore } from '../../transformer/lake/object-store.ts';
import { decodeRaw, encodeRaw } from '../../transformer/lake/raw.ts';
import { createS3Store } from '../../transformer/lake/s3-store.ts';
import { startS3rver, TEST_CREDENTIALS } from '../../transformer/testing/s3rver.ts';
import { purgeApp } from './purge-app.ts';

const GONE = 'alt_goneGoneGone0000000001';
const STAY = 'alt_stayStayStay0000000002';
const RAW = 'raw/year=2026/month=11/day=24/hour=10/shard-1-5.ndjson.gz';
const BAD = 'bad/year=2026/month=11/day=24/hour=10/shard-1-5.ndjson';

let root: string;
let s3: Awaited<ReturnType<typeof startS3rver>>;
let store: ObjectStore;

/** Copies every object under `prefix` from one store to another. */
async function copyObjects(from: ObjectStore, to: ObjectStore, prefix: string): Promise<void> {
  for (const { key } of await from.list(prefix)) await to.put(key, (await from.get(key))!);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alt-purge-s3-'));
  s3 = await startS3rver('lake');
  store = createS3Store({
    bucket: 'lake',
    prefix: 'lake',
    endpoint: s3.endpoint,
    credentials: TEST_CREDENTIALS,
  });
  const seeded = join(root, 'seeded');
  await seedLake(seeded, [
    makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T10:01:00Z' }),
    makeLakeRow({ app_id: STAY, timestamp: '2026-11-24T10:02:00Z' }),
  ]);
  await seedLake(seeded, [makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T11:00:00Z' })]);
  await copyObjects(createFsStore(seeded), store, 'hits/');
  const rec = (sequenceNumber: string, data: Uint8Array) => ({
    shardId: 'shard-1',
    sequenceNumber,
    arrivedAt: new Date('2026-11-24T10:05:00Z'),
    data,
  });
  await store.put(
    RAW,
    encodeRaw({
      shardId: 'shard-1',
      records: [
        rec(
          '1',
          encodeRows(EnvelopeKind.LAKE_ROWS, [makeLakeRow({ app_id: GONE }), makeLakeRow({ app_id: STAY })]),
        ),
        rec('2', encodeRows(EnvelopeKind.LAKE_ROWS, [makeLakeRow({ app_id: GONE })])),
      ],
    }),
  );
  await store.put(BAD, Buffer.from(`{"raw":"{\\"app_id\\":\\"${GONE}\\""}\n{"raw":"x"}\n`));
});
afterAll(async () => {
  await s3?.stop();
  await rm(root, { recursive: true, force: true });
});

/** The bucket's hits/, read by the local DuckDB engine from a copy. */
async function bucketApps(): Promise<string[]> {
  const copy = await mkdtemp(join(root, 'copy-'));
  await copyObjects(store, createFsStore(copy), 'hits/');
  const engine = await createDuckdbEngine({ lakeDir: copy });
  try {
    return (await engine.run('SELECT app_id FROM hits ORDER BY app_id')).rows.map((r) => String(r[0]));
  } finally {
    await engine.close();
  }
}

describe('purgeApp on an S3 lake', () => {
  it('reports with s3:// locations on a dry run and changes nothing in the bucket', async () => {
    const before = await store.list('');
    const r = await purgeApp({ store, appId: GONE, dryRun: true });
    expect(r.hits.map((c) => [c.removed, c.kept])).toEqual([
      [1, 1],
      [1, 0],
    ]);
    for (const c of r.hits) expect(c.path).toMatch(/^s3:\/\/lake\/lake\/hits\/year=2026\/.*\.parquet$/);
    expect(r.raw).toEqual([{ path: `s3://lake/lake/${RAW}`, removed: 2, kept: 1 }]);
    expect(r.bad).toEqual([{ path: `s3://lake/lake/${BAD}`, removed: 1, kept: 1 }]);
    expect(r.rollupRows).toBeNull();
    expect(await store.list('')).toEqual(before);
    expect(await bucketApps()).toEqual([GONE, GONE, STAY]);
  });

  it("removes the app's rows from hits/, raw/ and bad/ in the bucket and keeps the rest", async () => {
    await purgeApp({ store, appId: GONE });
    expect(await bucketApps()).toEqual([STAY]);
    expect((await store.list('hits/')).map((o) => o.key)).toHaveLength(1);

    const raw = decodeRaw((await store.get(RAW))!);
    expect(raw.records.map((x) => x.sequenceNumber)).toEqual(['1']);
    const env = decodeEnvelope(raw.records[0].data);
    expect(env.ok && env.lines.map((l) => JSON.parse(l).app_id)).toEqual([STAY]);
    expect(Buffer.from((await store.get(BAD))!).toString()).toBe('{"raw":"x"}\n');

    const again = await purgeApp({ store, appId: GONE });
    expect(again).toEqual({ dryRun: false, hits: [], raw: [], bad: [], rollupRows: null });
  });
});
