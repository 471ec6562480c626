import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStreamContract } from '../contract-suite.ts';
import { createSegmentLogReader } from './index.ts';
import { createSegmentLogWriter } from './stream-writer.ts';

describeStreamContract('segment log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alt-sls-'));
  // Small segments so the contract also crosses segment boundaries.
  const stream = await createSegmentLogWriter(join(dir, 'stream'), { segmentBytes: 64 * 1024 });
  return {
    stream,
    openReader: () =>
      createSegmentLogReader(join(dir, 'stream'), { checkpointFile: join(dir, 'checkpoint.json') }),
    async cleanup() {
      await stream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
