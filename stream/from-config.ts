/**
 * Opens both ends of the stream from config (DESIGN §4, §10), so writer and reader agree on where
 * the records are:
 *   local   → segment log at `<dataDir>/stream` (the collector writes, the transformer reads)
 *   kinesis → Kinesis; the writer spools to `<dataDir>/spool` when Kinesis is slow or down, the
 *             reader keeps its shard checkpoints in `<dataDir>/kinesis-checkpoint.json`
 */
import { join } from 'node:path';
import type { Config } from '../lib/config.ts';
import { dataDirLayout } from '../lib/data-dir.ts';
import type { StreamReader, StreamWriter } from './contract.ts';
import { createKinesisClient } from './kinesis/client.ts';
import { createLeanPutRecords } from './kinesis/put.ts';
import { createKinesisReader } from './kinesis/reader.ts';
import { createKinesisWriter } from './kinesis/writer.ts';
import { createSegmentLogReader } from './segment-log/index.ts';
import { createSegmentLogWriter } from './segment-log/stream-writer.ts';
import { createSpoolingWriter, SPOOL_DEFAULTS, type SpoolObserver } from './spool.ts';

export type StreamConfig = Pick<
  Config,
  'stream' | 'dataDir' | 'kinesisStream' | 'awsRegion' | 'spoolMaxBytes'
> & {
  /** Unset: AWS. */
  kinesisEndpoint?: string;
};

export const localStreamDir = (dataDir: string): string => join(dataDir, 'stream');
export const spoolDir = (dataDir: string): string => join(dataDir, 'spool');

export async function openStreamWriter(
  config: StreamConfig,
  observer?: SpoolObserver,
): Promise<StreamWriter> {
  if (config.stream === 'local') return createSegmentLogWriter(localStreamDir(config.dataDir));
  const primaryTimeoutMs = SPOOL_DEFAULTS.primaryTimeoutMs;
  const client = createKinesisClient({
    region: config.awsRegion,
    endpoint: config.kinesisEndpoint,
    requestTimeoutMs: primaryTimeoutMs,
  });
  const primary = createKinesisWriter({
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
  return createSpoolingWriter({
    primary,
    spoolDir: spoolDir(config.dataDir),
    spoolMaxBytes: config.spoolMaxBytes,
    primaryTimeoutMs,
    observer,
  });
}

/** The reader of what the writer above writes (the transformer's poller: `alt transform`, `alt dev`). */
export function openStreamReader(
  config: Pick<Config, 'stream' | 'dataDir' | 'kinesisStream' | 'awsRegion' | 'kinesisEndpoint'>,
): Promise<StreamReader> {
  if (config.stream === 'kinesis') {
    return createKinesisReader({
      client: createKinesisClient({ region: config.awsRegion, endpoint: config.kinesisEndpoint }),
      streamName: config.kinesisStream,
      checkpointFile: join(config.dataDir, 'kinesis-checkpoint.json'),
    });
  }
  return createSegmentLogReader(dataDirLayout(config.dataDir).stream);
}
