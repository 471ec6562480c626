/**
 * `StreamWriter` over the local segment log (the default without Kinesis): `put` resolves once the
 * records are appended and fdatasync'ed. Partition keys are not kept (one local shard).
 */

import type { StreamLimits, StreamWriter } from '../contract.ts';
import type { SegmentLog, SegmentLogOptions } from './index.ts';
import { openSegmentLog } from './index.ts';

/** The same limits as Kinesis, so the batcher builds identical records whichever stream is used. */
export const LOCAL_STREAM_LIMITS: StreamLimits = { maxRecordBytes: 1024 * 1024, maxRecordsPerPut: 500 };

export interface SegmentLogWriter extends StreamWriter {
  readonly log: SegmentLog;
}

export async function createSegmentLogWriter(
  dir: string,
  options: SegmentLogOptions = {},
): Promise<SegmentLogWriter> {
  const log = await openSegmentLog(dir, options);
  let closed = false;
  return {
    log,
    limits: LOCAL_STREAM_LIMITS,
    async put(records) {
      if (closed) throw new Error('stream is closed');
      for (const r of records) {
        if (r.data.length > LOCAL_STREAM_LIMITS.maxRecordBytes) {
          throw new Error(`record of ${r.data.length} bytes exceeds ${LOCAL_STREAM_LIMITS.maxRecordBytes}`);
        }
      }
      await log.append(records.map((r) => r.data));
    },
    async isHealthy() {
      return !closed && log.isHealthy();
    },
    async close() {
      if (closed) return;
      closed = true;
      await log.close();
    },
  };
}
