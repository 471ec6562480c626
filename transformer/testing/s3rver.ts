/** s3rver on 127.0.0.1 with a free port and a temp directory, for S3 adapter tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '../lake/object-store.ts';
import { createS3Store } from '../lake/s3-store.ts';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (
  opts: Record<string, unknown>,
) => S3rverInstance;

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3rver(bucket: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'alt-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Copies every object under `prefix` between stores (a seeded local lake into s3rver, and back). */
export async function copyObjects(from: ObjectStore, to: ObjectStore, prefix: string): Promise<void> {
  for (const { key } of await from.list(prefix)) await to.put(key, (await from.get(key))!);
}

/** The `ObjectStore` of a bucket on s3rver, under `prefix`. */
export function s3rverStore(endpoint: string, bucket: string, prefix?: string): ObjectStore {
  return createS3Store({ bucket, prefix, endpoint, credentials: TEST_CREDENTIALS });
}
