/** Readers for the transform step: the collector's segment log, or Kinesis (read directly, not via the proxy). */
import { join } from 'node:path';
import { localStreamDir } from '../../collector/sinks/from-config.ts';
import type { StreamReader } from '../../lib/stream.ts';
import { createKinesisReader } from '../../lib/stream-readers/kinesis.ts';
import { createSegmentLogReader } from '../../lib/stream-readers/segment-log.ts';
import type { KinesisLocal } from '../../test/helpers/kinesis-local.ts';

export const segmentLogReader = (collectorDir: string, transformerDir: string) => (): Promise<StreamReader> =>
  createSegmentLogReader(localStreamDir(collectorDir), {
    checkpointFile: join(transformerDir, 'checkpoint.json'),
    retention: false,
  });

export const kinesisReader =
  (kl: KinesisLocal, streamName: string, transformerDir: string) => (): Promise<StreamReader> =>
    createKinesisReader({
      client: kl.client(),
      streamName,
      checkpointFile: join(transformerDir, 'kinesis-checkpoint.json'),
    });
