import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../test/helpers/kinesis-local.ts';
import { localStreamDir, openStreamWriter, spoolDir } from './from-config.ts';
import { createSegmentLogReader } from './segment-log/index.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(`${tmpdir()}/alt-fromcfg-`);
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const base = {
  kinesisStream: 'alt-hits',
  awsRegion: 'us-east-1',
  spoolMaxBytes: 1 << 30,
  kinesisEndpoint: undefined,
};

describe('openStreamWriter', () => {
  it('local: writes the segment log under <dataDir>/stream, where the transformer reads it', async () => {
    const stream = await openStreamWriter({ ...base, stream: 'local', dataDir });
    await stream.put([{ partitionKey: 'k', data: Buffer.from('hello') }]);
    await stream.close();
    const reader = await createSegmentLogReader(localStreamDir(dataDir));
    const batch = await reader.next(10);
    expect(batch?.records.map((r) => Buffer.from(r.data).toString())).toEqual(['hello']);
    await reader.close();
  });

  it('kinesis: with Kinesis unreachable a put still resolves, spooled under <dataDir>/spool', async () => {
    const closedPort = await freePort();
    const stream = await openStreamWriter({
      ...base,
      stream: 'kinesis',
      dataDir,
      kinesisEndpoint: `http://127.0.0.1:${closedPort}`,
    });
    await stream.put([{ partitionKey: 'k', data: Buffer.from('spooled') }]);
    await stream.close();
    const reader = await createSegmentLogReader(spoolDir(dataDir), {
      checkpointFile: `${dataDir}/peek.json`,
    });
    const batch = await reader.next(10);
    expect(batch?.records.map((r) => Buffer.from(r.data).toString())).toEqual(['spooled']);
    await reader.close();
  });
});
