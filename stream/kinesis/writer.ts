/**
 * `StreamWriter` over Kinesis PutRecords. A put is split into calls of ≤ 500 records and ≤ 5 MiB; when
 * Kinesis accepts only some entries of a call (throttling), only the failed entries are retried,
 * with exponential backoff and jitter, until a deadline — then the put rejects. It never resolves
 * for a record Kinesis did not accept; when it rejects after Kinesis took some records, the error is
 * a `PartialPutError` naming them, so the caller's retry does not send them twice.
 */
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { BACKOFF_DEFAULTS, type BackoffOptions, backoffDelay, sleep } from '../backoff.ts';
import { PartialPutError, type StreamLimits, type StreamRecord, type StreamWriter } from '../contract.ts';
import { callSignal } from './call-signal.ts';
import type { PutRecordsFn } from './put.ts';

export const KINESIS_WRITER_DEFAULTS = {
  backoff: BACKOFF_DEFAULTS,
  /** A put that Kinesis has not fully accepted after this long rejects. */
  deadlineMs: 30_000,
  /** One PutRecords call may take this long. */
  requestTimeoutMs: 5_000,
  /** A successful put this recent makes `isHealthy` true without asking Kinesis. */
  healthyWindowMs: 10_000,
  /** Kinesis API limits. */
  maxRecordsPerCall: 500,
  maxBytesPerCall: 5 * 1024 * 1024,
} as const;

/** Kinesis caps data + partition key at 1 MiB; leave room for the key. */
export const KINESIS_LIMITS: StreamLimits = { maxRecordBytes: 1024 * 1024 - 256, maxRecordsPerPut: 500 };

/** Errors retrying cannot fix. */
const PERMANENT = new Set([
  'ResourceNotFoundException',
  'ValidationException',
  'InvalidArgumentException',
  'AccessDeniedException',
  'UnrecognizedClientException',
]);

export interface KinesisWriterOptions {
  client: KinesisClient;
  streamName: string;
  backoff?: Partial<BackoffOptions>;
  deadlineMs?: number;
  requestTimeoutMs?: number;
  healthyWindowMs?: number;
  /** How a PutRecords call is made; default: the SDK client's `send` (`kinesis-put.ts` is leaner). */
  putRecords?: PutRecordsFn;
}

export interface KinesisStreamStats {
  calls: number;
  entriesSent: number;
  entriesRetried: number;
}

export interface KinesisWriter extends StreamWriter {
  stats(): KinesisStreamStats;
}

/** Splits records into PutRecords calls within the API's count and byte limits. */
export function splitIntoCalls(
  records: readonly StreamRecord[],
  maxRecords: number = KINESIS_WRITER_DEFAULTS.maxRecordsPerCall,
  maxBytes: number = KINESIS_WRITER_DEFAULTS.maxBytesPerCall,
): StreamRecord[][] {
  const calls: StreamRecord[][] = [];
  let current: StreamRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.length + Buffer.byteLength(r.partitionKey);
    if (current.length > 0 && (current.length >= maxRecords || bytes + size > maxBytes)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

export function createKinesisWriter(options: KinesisWriterOptions): KinesisWriter {
  const { client, streamName } = options;
  const putRecords: PutRecordsFn =
    options.putRecords ??
    ((entries, abortSignal) =>
      client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }), { abortSignal }));
  const backoff = { ...KINESIS_WRITER_DEFAULTS.backoff, ...options.backoff };
  const deadlineMs = options.deadlineMs ?? KINESIS_WRITER_DEFAULTS.deadlineMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? KINESIS_WRITER_DEFAULTS.requestTimeoutMs;
  const healthyWindowMs = options.healthyWindowMs ?? KINESIS_WRITER_DEFAULTS.healthyWindowMs;
  const stats: KinesisStreamStats = { calls: 0, entriesSent: 0, entriesRetried: 0 };
  const closing = new AbortController();
  let lastSuccessAt = Number.NEGATIVE_INFINITY;
  let closed = false;

  /** One PutRecords call's records, with their indices in the put (`delivered` is marked by those). */
  async function putCall(records: StreamRecord[], indices: number[], delivered: boolean[]): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    let pending: PutRecordsRequestEntry[] = records.map((r) => ({
      Data: r.data,
      PartitionKey: r.partitionKey,
    }));
    let pendingIndices = indices;
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      const timeout = Math.max(1, Math.min(requestTimeoutMs, deadline - Date.now()));
      try {
        stats.calls++;
        stats.entriesSent += pending.length;
        const call = callSignal(timeout, closing.signal);
        let out: Awaited<ReturnType<PutRecordsFn>>;
        try {
          out = await putRecords(pending, call.signal);
        } finally {
          call.done();
        }
        const results = out.Records ?? [];
        if (results.length !== pending.length) {
          reason = `PutRecords answered ${results.length} results for ${pending.length} entries`;
        } else {
          for (let i = 0; i < results.length; i++)
            if (!results[i].ErrorCode) delivered[pendingIndices[i]] = true;
          const failed = pending.filter((_, i) => results[i].ErrorCode);
          if (failed.length === 0) {
            lastSuccessAt = Date.now();
            return;
          }
          const first = results.find((r) => r.ErrorCode);
          reason = `${first?.ErrorCode}: ${first?.ErrorMessage ?? ''}`;
          stats.entriesRetried += failed.length;
          pendingIndices = pendingIndices.filter((_, i) => results[i].ErrorCode);
          pending = failed;
        }
      } catch (err) {
        const e = err as Error;
        if (PERMANENT.has(e.name)) throw new Error(`Kinesis ${streamName}: ${e.name}: ${e.message}`);
        reason = `${e.name}: ${e.message}`;
      }
      if (closing.signal.aborted)
        throw new Error(`Kinesis ${streamName}: stream closed before the put finished`);
      const delay = backoffDelay(attempt, backoff);
      if (Date.now() + delay >= deadline) {
        throw new Error(
          `Kinesis ${streamName} did not accept ${pending.length} of ${records.length} records within ${deadlineMs} ms (${reason})`,
        );
      }
      await sleep(delay, closing.signal);
    }
  }

  return {
    limits: KINESIS_LIMITS,
    stats: () => ({ ...stats }),
    async put(records) {
      if (closed) throw new Error('stream is closed');
      for (const r of records) {
        if (r.data.length > KINESIS_LIMITS.maxRecordBytes) {
          throw new Error(`record of ${r.data.length} bytes exceeds ${KINESIS_LIMITS.maxRecordBytes}`);
        }
      }
      const delivered = new Array<boolean>(records.length).fill(false);
      let next = 0;
      const calls = splitIntoCalls(records).map((call) => {
        const indices = call.map(() => next++);
        return putCall(call, indices, delivered);
      });
      // Every call settles before the put does, so `delivered` is final when it rejects.
      const failures = (await Promise.allSettled(calls)).filter((r) => r.status === 'rejected');
      if (failures.length === 0) return;
      const cause = failures[0].reason as Error;
      if (!delivered.some(Boolean)) throw cause;
      const n = delivered.filter(Boolean).length;
      throw new PartialPutError(
        `${cause.message} (${n} of ${records.length} records were accepted)`,
        delivered,
        {
          cause,
        },
      );
    },
    async isHealthy() {
      if (closed) return false;
      if (Date.now() - lastSuccessAt < healthyWindowMs) return true;
      try {
        const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }), {
          abortSignal: AbortSignal.timeout(Math.min(requestTimeoutMs, 2000)),
        });
        const status = out.StreamDescriptionSummary?.StreamStatus;
        return status === 'ACTIVE' || status === 'UPDATING';
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      client.destroy();
    },
  };
}
