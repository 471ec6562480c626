/**
 * `alt apps purge` as a user runs it: dry run first, then --yes, then the app is gone from `alt query`;
 * on the local lake and on an S3 lake (s3rver).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDuckdbEngine } from '../../query/duckdb-engine.ts';
import { runAlt } from '../../test/helpers/run-alt.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';
import { createFsStore } from '../../transformer/lake/fs-store.ts';
import { copyObjects, s3rverStore, startS3rver, TEST_CREDENTIALS } from '../../transformer/testing/s3rver.ts';

const GONE = 'alt_goneGoneGone0000000001';
const STAY = 'alt_stayStayStay0000000002';

const alt = (args: string[]) => runAlt(args, { DATABASE_URL: '' });

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'alt-purge-cli-'));
  await seedLake(join(dataDir, 'lake'), [
    makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T10:01:00Z' }),
    makeLakeRow({ app_id: STAY, timestamp: '2026-11-24T10:02:00Z' }),
  ]);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

it('reports on a dry run, then purges with --yes', async () => {
  const dry = await alt(['apps', 'purge', GONE, '--data-dir', dataDir]);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toMatch(/hits\/: would remove 1 rows of alt_goneGoneGone0000000001 from 1 files/);
  expect(dry.stdout).toMatch(/dry run: nothing changed/);

  const real = await alt(['apps', 'purge', GONE, '--data-dir', dataDir, '--yes']);
  expect(real.code).toBe(0);
  expect(real.stdout).toMatch(/hits\/: removed 1 rows .* from 1 files\n.*: -1, 1 left/);
  expect(real.stdout).toMatch(/hits_hourly: no rollup database found/);

  const engine = await createDuckdbEngine({ lakeDir: join(dataDir, 'lake') });
  try {
    expect((await engine.run('SELECT app_id FROM hits')).rows).toEqual([[STAY]]);
  } finally {
    await engine.close();
  }
});

it('purges an S3 lake named by --lake-bucket and --s3-endpoint', async () => {
  const s3 = await startS3rver('acme-lake');
  try {
    // The same two rows as the local lake above, an hour later, in the bucket.
    const bucket = s3rverStore(s3.endpoint, 'acme-lake', 'lake');
    const seeded = join(dataDir, 'seeded');
    const rows = [GONE, STAY].map((app_id) => makeLakeRow({ app_id, timestamp: '2026-11-24T11:01:00Z' }));
    await seedLake(seeded, rows);
    await copyObjects(createFsStore(seeded), bucket, 'hits/');

    const args = ['apps', 'purge', GONE, '--data-dir', join(dataDir, 'unused')];
    const s3Args = ['--lake-bucket', 'acme-lake/lake', '--s3-endpoint', s3.endpoint];
    const env = {
      DATABASE_URL: '',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    };
    const dry = await runAlt([...args, ...s3Args], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /hits\/: would remove 1 rows of alt_goneGoneGone0000000001 from 1 files\n {2}s3:\/\/acme-lake\/lake\/hits\//,
    );

    const real = await runAlt([...args, ...s3Args, '--yes'], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/hits\/: removed 1 rows .* from 1 files\n.*: -1, 1 left/);

    const copy = join(dataDir, 'copy');
    await copyObjects(bucket, createFsStore(copy), 'hits/');
    const engine = await createDuckdbEngine({ lakeDir: copy });
    try {
      expect((await engine.run('SELECT app_id FROM hits')).rows).toEqual([[STAY]]);
    } finally {
      await engine.close();
    }
  } finally {
    await s3.stop();
  }
});
