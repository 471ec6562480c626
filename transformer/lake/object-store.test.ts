import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver, TEST_CREDENTIALS } from '../testing/s3rver.ts';
import { createFsStore } from './fs-store.ts';
import type { ObjectStore } from './object-store.ts';
import { createS3Store } from './s3-store.ts';

type Backend = { store: ObjectStore; scratch: string; done(): Promise<void> };

const backends: [string, () => Promise<Backend>][] = [
  [
    'local directory',
    async () => {
      const root = await mkdtemp(join(tmpdir(), 'alt-fs-store-'));
      const scratch = await mkdtemp(join(tmpdir(), 'alt-scratch-'));
      return {
        store: createFsStore(root),
        scratch,
        async done() {
          await rm(root, { recursive: true, force: true });
          await rm(scratch, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    'S3 (s3rver)',
    async () => {
      const s3 = await startS3rver('lake');
      const scratch = await mkdtemp(join(tmpdir(), 'alt-scratch-'));
      return {
        store: createS3Store({
          bucket: 'lake',
          prefix: 'pre',
          endpoint: s3.endpoint,
          credentials: TEST_CREDENTIALS,
        }),
        scratch,
        async done() {
          await s3.stop();
          await rm(scratch, { recursive: true, force: true });
        },
      };
    },
  ],
];

describe.each(backends)('ObjectStore contract: %s', (_name, open) => {
  let b: Backend;
  beforeAll(async () => {
    b = await open();
  });
  afterAll(async () => b?.done());

  it('puts bytes and files, gets them back byte for byte, replaces on a second put', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
    await b.store.put('hits/year=2026/month=01/day=02/hour=03/a.parquet', bytes);
    expect(await b.store.get('hits/year=2026/month=01/day=02/hour=03/a.parquet')).toEqual(bytes);

    const file = join(b.scratch, 'in.bin');
    await writeFile(file, Buffer.from('streamed from a file'));
    await b.store.put('hits/year=2026/month=01/day=02/hour=03/a.parquet', { file });
    const got = await b.store.get('hits/year=2026/month=01/day=02/hour=03/a.parquet');
    expect(Buffer.from(got!).toString()).toBe('streamed from a file');

    const out = join(b.scratch, 'out.bin');
    expect(await b.store.download('hits/year=2026/month=01/day=02/hour=03/a.parquet', out)).toBe(true);
    expect((await readFile(out)).toString()).toBe('streamed from a file');
  });

  it('answers null / false for missing objects', async () => {
    expect(await b.store.get('nope/x')).toBeNull();
    expect(await b.store.download('nope/x', join(b.scratch, 'x'))).toBe(false);
  });

  it('lists by prefix, sorted, with sizes; deletes (missing keys ignored)', async () => {
    await b.store.put('raw/year=2026/month=01/day=02/hour=04/b.ndjson.gz', new Uint8Array([1, 2]));
    await b.store.put('raw/year=2026/month=01/day=02/hour=04/a.ndjson.gz', new Uint8Array([1]));
    await b.store.put('raw/year=2026/month=01/day=02/hour=05/c.ndjson.gz', new Uint8Array([1, 2, 3]));
    expect(await b.store.list('raw/year=2026/month=01/day=02/hour=04/')).toEqual([
      { key: 'raw/year=2026/month=01/day=02/hour=04/a.ndjson.gz', size: 1 },
      { key: 'raw/year=2026/month=01/day=02/hour=04/b.ndjson.gz', size: 2 },
    ]);
    expect((await b.store.list('raw/')).map((o) => o.key)).toHaveLength(3);
    expect(await b.store.list('raw/year=2027/')).toEqual([]);
    await b.store.delete(['raw/year=2026/month=01/day=02/hour=04/a.ndjson.gz', 'raw/missing']);
    expect((await b.store.list('raw/')).map((o) => o.key)).toEqual([
      'raw/year=2026/month=01/day=02/hour=04/b.ndjson.gz',
      'raw/year=2026/month=01/day=02/hour=05/c.ndjson.gz',
    ]);
  });
});

it('the local store never leaves a visible partial file: temp names match no *.parquet glob', async () => {
  const root = await mkdtemp(join(tmpdir(), 'alt-fs-store-'));
  try {
    const store = createFsStore(root);
    const big = new Uint8Array(8 * 1024 * 1024);
    const dir = join(root, 'hits', 'year=2026');
    const seen: string[] = [];
    const writing = store.put('hits/year=2026/x.parquet', big);
    // Sample the directory while the write is in flight.
    for (let i = 0; i < 50; i++) {
      seen.push(...(await readdir(dir).catch(() => [] as string[])));
      await new Promise((r) => setImmediate(r));
    }
    await writing;
    for (const name of seen)
      expect(name === 'x.parquet' || (name.startsWith('.') && name.endsWith('.tmp'))).toBe(true);
    expect((await readFile(join(dir, 'x.parquet'))).length).toBe(big.length);
    expect(await readdir(dir)).toEqual(['x.parquet']);
    await expect(store.put('../escape', big)).rejects.toThrow();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
