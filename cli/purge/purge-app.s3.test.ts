/** `purgeApp` on an S3 lake (s3rver): the same purge as on a local lake, through the `ObjectStore`. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, EnvelopeKind, encodeRows } from '../../stream/envelope.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';
import { createFsStore } from '../../transformer/lake/fs-store.ts';
import type { ObjectStore } from '../../transformer/lake/object-store.ts';
import { decodeRaw, encodeRaw } from '../../transformer/lake/raw.ts';
import { copyObjects, s3rverStore, startS3rver } from '../../transformer/testing/s3rver.ts';
import { purgeApp } from './purge-app.ts';

const GONE = 'alt_goneGoneGone0000000001';
const STAY = 'alt_stayStayStay0000000002';
const RAW = 'raw/year=2026/month=11/day=24/hour=10/shard-1-5.ndjson.gz';
const BAD = 'bad/year=2026/month=11/day=24/hour=10/shard-1-5.ndjson';

let root: string;
let s3: Awaited<ReturnType<typeof startS3rver>>;
let store: ObjectStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alt-purge-s3-'));
  s3 = await startS3rver('lake');
  store = s3rverStore(s3.endpoint, 'lake', 'lake');
  const seeded = join(root, 'seeded');
  await seedLake(seeded, [
    makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T10:01:00Z' }),
    makeLakeRow({ app_id: STAY, timestamp: '2026-11-24T10:02:00Z' }),
  ]);
  await seedLake(seeded, [makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T11:00:00Z' })]);
  await copyObjects(createFsStore(seeded), store, 'hits/');
  // Record 1 holds both apps (rewritten), record 2 only the purged one (dropped).
  const records = [[GONE, STAY], [GONE]].map((apps, i) => ({
    shardId: 'shard-1',
    sequenceNumber: String(i + 1),
    arrivedAt: new Date('2026-11-24T10:05:00Z'),
    data: encodeRows(
      EnvelopeKind.LAKE_ROWS,
      apps.map((app_id) => makeLakeRow({ app_id })),
    ),
  }));
  await store.put(RAW, encodeRaw({ shardId: 'shard-1', records }));
  await store.put(BAD, Buffer.from(`{"raw":"{\\"app_id\\":\\"${GONE}\\""}\n{"raw":"x"}\n`));
});
afterAll(async () => {
  await s3?.stop();
  await rm(root, { recursive: true, force: true });
});

/** The app ids of every row under the bucket's hits/, sorted. */
async function bucketApps(): Promise<string[]> {
  const apps: string[] = [];
  for (const { key } of await store.list('hits/')) {
    const bytes = (await store.get(key))!;
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = await parquetReadObjects({ file, columns: ['app_id'], compressors });
    apps.push(...rows.map((r) => String(r.app_id)));
  }
  return apps.sort();
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
