/** Readers for the transform step: the collector's segment log, or Kinesis (read directly, not via the proxy). */
import { join } from 'node:path';
import type { StreamReader } from '../../stream/contract.ts';
import { localStreamDir } from '../../stream/from-config.ts';
import { createKinesisReader } from '../../stream/kinesis/reader.ts';
import { createSegmentLogReader } from '../../stream/segment-log/index.ts';
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
