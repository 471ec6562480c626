/**
 * Picks and builds the collector's `Stream` from config (DESIGN §4, §10):
 *   local   → segment log at `<dataDir>/stream` (the transformer reads it from there)
 *   kinesis → Kinesis, with a disk spool at `<dataDir>/spool` for when Kinesis is slow or down
 */
import { join } from 'node:path';
import type { Config } from '../../lib/config.ts';
import type { Stream } from '../../lib/stream.ts';
import { createKinesisClient } from '../../lib/stream-readers/kinesis-client.ts';
import type { SinkObserver } from '../sink.ts';
import { createKinesisStream } from './kinesis.ts';
import { createLeanPutRecords } from './kinesis-put.ts';
import { createSegmentLogStream } from './segment-log.ts';
import { createSpoolingStream, SPOOL_DEFAULTS } from './spooling.ts';

export type StreamConfig = Pick<
  Config,
  'stream' | 'dataDir' | 'kinesisStream' | 'awsRegion' | 'spoolMaxBytes'
> & {
  /** Unset: AWS. */
  kinesisEndpoint?: string;
};

export const localStreamDir = (dataDir: string): string => join(dataDir, 'stream');
export const spoolDir = (dataDir: string): string => join(dataDir, 'spool');

export async function createStreamFromConfig(config: StreamConfig, observer?: SinkObserver): Promise<Stream> {
  if (config.stream === 'local') return createSegmentLogStream(localStreamDir(config.dataDir));
  const primaryTimeoutMs = SPOOL_DEFAULTS.primaryTimeoutMs;
  const client = createKinesisClient({
    region: config.awsRegion,
    endpoint: config.kinesisEndpoint,
    requestTimeoutMs: primaryTimeoutMs,
  });
  const primary = createKinesisStream({
    client,
    streamName: config.kinesisStream,
    // PutRecords over one signed keep-alive request per call, not the SDK's middleware stack
    // (several times the CPU per call: bench/kinesis-sdk.ts); health checks still use the SDK.
    putRecords: createLeanPutRecords({
      client,
      region: config.awsRegion,
      streamName: config.kinesisStream,
      endpoint: config.kinesisEndpoint,
    }),
    // Give up (and abort the request) before the spool's timeout: a spooled put then does not
    // also land in Kinesis later (fewer duplicates; the transformer dedups the rest).
    deadlineMs: primaryTimeoutMs - 100,
  });
  return createSpoolingStream({
    primary,
    spoolDir: spoolDir(config.dataDir),
    spoolMaxBytes: config.spoolMaxBytes,
    primaryTimeoutMs,
    observer,
  });
}
