/**
 * The spooling stream against kinesis-local behind a proxy we can take down: an outage is ridden
 * out through the spool, in order, and a kill -9 during an outage loses no acknowledged hit.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../stream/contract-suite.ts';
import { createKinesisClient } from '../../stream/kinesis/client.ts';
import { createKinesisReader } from '../../stream/kinesis/reader.ts';
import { createKinesisWriter } from '../../stream/kinesis/writer.ts';
import { createSpoolingWriter } from '../../stream/spool.ts';
import { KINESIS_LOCAL_REGION, type KinesisLocal, startKinesisLocal } from '../helpers/kinesis-local.ts';
import { idsIn, killWriters, startWriter } from './ack-child.ts';
import { startToggleProxy, type ToggleProxy } from './toggle-proxy.ts';

let kl: KinesisLocal;
let proxy: ToggleProxy;
const dirs: string[] = [];
beforeAll(async () => {
  kl = await startKinesisLocal();
  proxy = await startToggleProxy(kl.port);
});
afterAll(async () => {
  killWriters();
  await proxy?.close();
  await kl?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup() {
  const streamName = `fault-${randomUUID().slice(0, 8)}`;
  await kl.createStream(streamName, 1);
  const dir = await mkdtemp(join(tmpdir(), 'alt-fault-'));
  dirs.push(dir);
  await proxy.up().catch(() => {}); // a previous test may have left it down
  return { streamName, dir, endpoint: `http://127.0.0.1:${proxy.port}` };
}

// The primary gives up (and aborts its request) before the spool's timeout, so a spooled put
// cannot also land in Kinesis later.
const primaryVia = (endpoint: string, streamName: string) =>
  createKinesisWriter({
    client: createKinesisClient({ region: KINESIS_LOCAL_REGION, endpoint, requestTimeoutMs: 1500 }),
    streamName,
    deadlineMs: 1500,
    backoff: { minMs: 20, maxMs: 200 },
  });

describe('Kinesis faults', () => {
  it('endpoint unreachable for a while: puts resolve from the spool, then everything arrives in order', async () => {
    const { streamName, dir, endpoint } = await setup();
    const spooled: number[] = [];
    const stream = await createSpoolingWriter({
      primary: primaryVia(endpoint, streamName),
      spoolDir: join(dir, 'spool'),
      spoolMaxBytes: 64 << 20,
      primaryTimeoutMs: 2000,
      drainBackoff: { minMs: 20, maxMs: 200 },
      observer: { spooled: (s) => spooled.push(s.records) },
    });
    const put = (i: number) => stream.put([{ partitionKey: `k${i}`, data: Buffer.from(`record-${i}`) }]);
    for (let i = 0; i < 10; i++) await put(i);
    await proxy.down();
    for (let i = 10; i < 20; i++) await put(i); // each resolves: durable in the spool
    expect(spooled.reduce((a, b) => a + b, 0)).toBe(10);
    expect(stream.spooledBytes()).toBeGreaterThan(0);
    await proxy.up();
    for (let i = 20; i < 30; i++) await put(i);
    await stream.whenDrained();
    await stream.close();

    const reader = await createKinesisReader({
      client: kl.client(),
      streamName,
      checkpointFile: join(dir, 'cp.json'),
    });
    const got = await readRecords(reader, 30, 5_000);
    await reader.close();
    // At-least-once: a duplicate is allowed (the transformer dedups by log_id), a loss or reordering is not.
    expect([...new Set(got.map((r) => Buffer.from(r.data).toString()))]).toEqual(
      Array.from({ length: 30 }, (_, i) => `record-${i}`),
    );
  });

  it('kill -9 during an outage: acked hits are in Kinesis or the spool, all delivered after restart', async () => {
    const { streamName, dir, endpoint } = await setup();
    const spoolDir = join(dir, 'spool');
    const w = startWriter(['spooling', spoolDir, endpoint, streamName]);
    await w.waitForAcks(1000);
    await proxy.down(); // Kinesis unreachable: acks now come from the spool
    await w.waitForAcks(w.acked.length + 2000);
    await w.kill();
    await proxy.up();

    // The restarted collector drains the spool first.
    const restarted = await createSpoolingWriter({
      primary: primaryVia(endpoint, streamName),
      spoolDir,
      spoolMaxBytes: 256 << 20,
    });
    expect(restarted.spooledBytes()).toBeGreaterThan(0);
    await restarted.whenDrained();
    await restarted.close();

    const reader = await createKinesisReader({
      client: kl.client(),
      streamName,
      checkpointFile: join(dir, 'cp.json'),
    });
    const stored = await idsIn(reader, (ids) => w.acked.every((id) => ids.has(id)));
    await reader.close();
    expect(w.acked.filter((id) => !stored.has(id))).toEqual([]);
  });
});
