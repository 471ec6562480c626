/** The Kinesis and spooling Streams against kinesis-local (one instance for the file). */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KINESIS_LOCAL_REGION,
  type KinesisLocal,
  startKinesisLocal,
} from '../../test/helpers/kinesis-local.ts';
import { describeStreamContract, readRecords, type StreamUnderTest } from '../contract-suite.ts';
import { createSpoolingWriter } from '../spool.ts';
import { createKinesisClient } from './client.ts';
import { createLeanPutRecords } from './put.ts';
import { createKinesisReader } from './reader.ts';
import { createKinesisWriter } from './writer.ts';

let kl: KinesisLocal;
beforeAll(async () => {
  kl = await startKinesisLocal();
});
afterAll(async () => {
  await kl?.stop();
});

async function kinesisPair(
  wrap?: (dir: string, s: ReturnType<typeof createKinesisWriter>) => Promise<StreamUnderTest['stream']>,
  lean = false,
): Promise<StreamUnderTest> {
  const name = `contract-${randomUUID().slice(0, 8)}`;
  // One shard: the contract checks order, which Kinesis keeps per shard.
  await kl.createStream(name, 1);
  const dir = await mkdtemp(join(tmpdir(), 'alt-kin-'));
  const client = createKinesisClient({ region: KINESIS_LOCAL_REGION, endpoint: kl.endpoint });
  const inner = createKinesisWriter({
    client,
    streamName: name,
    deadlineMs: 10_000,
    ...(lean
      ? {
          putRecords: createLeanPutRecords({
            client,
            region: KINESIS_LOCAL_REGION,
            streamName: name,
            endpoint: kl.endpoint,
          }),
        }
      : {}),
  });
  const stream = wrap ? await wrap(dir, inner) : inner;
  const readerClient = kl.client();
  return {
    stream,
    openReader: () =>
      createKinesisReader({
        client: readerClient,
        streamName: name,
        checkpointFile: join(dir, 'kinesis-checkpoints.json'),
      }),
    async cleanup() {
      await stream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStreamContract('Kinesis (kinesis-local)', () => kinesisPair());

describeStreamContract('Kinesis with the lean PutRecords transport (kinesis-local)', () =>
  kinesisPair(undefined, true),
);

describe('lean PutRecords transport', () => {
  it('throws an API error under its type name, so the writer treats it as permanent', async () => {
    const client = createKinesisClient({ region: KINESIS_LOCAL_REGION, endpoint: kl.endpoint });
    const put = createLeanPutRecords({
      client,
      region: KINESIS_LOCAL_REGION,
      streamName: 'no-such-stream',
      endpoint: kl.endpoint,
    });
    const err = await put(
      [{ Data: Buffer.from('x'), PartitionKey: 'k' }],
      new AbortController().signal,
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ResourceNotFoundException');
    const stream = createKinesisWriter({ client, streamName: 'no-such-stream', putRecords: put });
    await expect(stream.put([{ partitionKey: 'k', data: Buffer.from('x') }])).rejects.toThrow(
      /ResourceNotFoundException/,
    );
    await stream.close();
  });
});

describeStreamContract('spooling over Kinesis (kinesis-local)', () =>
  kinesisPair((dir, primary) =>
    createSpoolingWriter({
      primary,
      spoolDir: join(dir, 'spool'),
      spoolMaxBytes: 64 << 20,
      primaryTimeoutMs: 5_000,
    }),
  ),
);

describe('Kinesis reader over several shards', () => {
  it('reads every shard, keeps order within each, and checkpoints per shard across reopen', async () => {
    const name = `shards-${randomUUID().slice(0, 8)}`;
    await kl.createStream(name, 3);
    const dir = await mkdtemp(join(tmpdir(), 'alt-kin-shards-'));
    const stream = createKinesisWriter({ client: kl.client(), streamName: name });
    try {
      const records = Array.from({ length: 60 }, (_, i) => ({
        partitionKey: `key-${i % 12}`,
        data: Buffer.from(`r${i}`),
      }));
      for (let i = 0; i < 60; i += 20) await stream.put(records.slice(i, i + 20));
      const checkpointFile = join(dir, 'cp.json');
      const r1 = await createKinesisReader({ client: kl.client(), streamName: name, checkpointFile });
      const first = await readRecords(r1, 30, 10_000);
      await r1.close();
      const r2 = await createKinesisReader({ client: kl.client(), streamName: name, checkpointFile });
      const rest = await readRecords(r2, 30, 10_000);
      await r2.close();
      const all = [...first, ...rest];
      expect(new Set(all.map((r) => r.shardId)).size).toBeGreaterThan(1);
      expect(all.map((r) => Buffer.from(r.data).toString()).sort()).toEqual(
        records.map((r) => r.data.toString()).sort(),
      );
      // Per shard, the order of reading is the order of putting.
      const index = (r: { data: Uint8Array }) => Number(Buffer.from(r.data).toString().slice(1));
      for (const shard of new Set(all.map((r) => r.shardId))) {
        const idx = all.filter((r) => r.shardId === shard).map(index);
        expect(idx).toEqual([...idx].sort((a, b) => a - b));
      }
      const saved = JSON.parse(await readFile(checkpointFile, 'utf8')) as Record<string, string>;
      expect(Object.keys(saved).sort()).toEqual([...new Set(all.map((r) => r.shardId))].sort());
    } finally {
      await stream.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
