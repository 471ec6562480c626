/** Kinesis writer retry behaviour, with the AWS SDK mocked at its client boundary. */
import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
  type PutRecordsCommandInput,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../backoff.ts';
import { PartialPutError, type StreamRecord } from '../contract.ts';
import type { PutRecordsFn } from './put.ts';
import { createKinesisWriter, KINESIS_LIMITS, splitIntoCalls } from './writer.ts';

const kinesisMock = mockClient(KinesisClient);
afterEach(() => kinesisMock.reset());

const rec = (i: number, size = 10): StreamRecord => ({
  partitionKey: `k${i}`,
  data: Buffer.alloc(size, i % 256),
});
const fast = { backoff: { minMs: 1, maxMs: 5 } };
const stream = (opts: Partial<Parameters<typeof createKinesisWriter>[0]> = {}) =>
  createKinesisWriter({
    client: new KinesisClient({ region: 'us-east-1' }),
    streamName: 'hits',
    ...fast,
    ...opts,
  });
const dataOf = (input: PutRecordsCommandInput) => (input.Records ?? []).map((r) => Buffer.from(r.Data!)[0]);

describe('Kinesis writer', () => {
  it('splits puts into calls of at most 500 records and 5 MiB', () => {
    expect(splitIntoCalls(Array.from({ length: 1200 }, (_, i) => rec(i))).map((c) => c.length)).toEqual([
      500, 500, 200,
    ]);
    const big = Array.from({ length: 12 }, (_, i) => rec(i, KINESIS_LIMITS.maxRecordBytes));
    const calls = splitIntoCalls(big);
    expect(calls.flat()).toHaveLength(12);
    for (const c of calls)
      expect(c.reduce((n, r) => n + r.data.length + r.partitionKey.length, 0)).toBeLessThanOrEqual(
        5 * 1024 * 1024,
      );
  });

  it('retries only the entries a partial failure rejected, until all are accepted', async () => {
    const seen: number[][] = [];
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      const ids = dataOf(input);
      seen.push(ids);
      // First call: entries 1 and 3 are throttled; later calls accept everything.
      return {
        FailedRecordCount: seen.length === 1 ? 2 : 0,
        Records: ids.map((id) =>
          seen.length === 1 && (id === 1 || id === 3)
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
            : { SequenceNumber: `${id}`, ShardId: 'shardId-0' },
        ),
      };
    });
    const s = stream();
    await s.put([0, 1, 2, 3, 4].map((i) => rec(i)));
    expect(seen).toEqual([
      [0, 1, 2, 3, 4],
      [1, 3],
    ]);
    expect(s.stats().entriesRetried).toBe(2);
    await s.close();
  });

  it('retries a call that failed as a whole (network error, throttling)', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    const s = stream();
    await s.put([rec(1)]);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(2);
    await s.close();
  });

  it('rejects once the deadline passes while some entries are still refused; never resolves for them', async () => {
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: dataOf(input).map((id) =>
        id === 2
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
          : { SequenceNumber: `${id}`, ShardId: 's' },
      ),
    }));
    const s = stream({ deadlineMs: 200, backoff: { minMs: 5, maxMs: 20 } });
    await expect(s.put([1, 2, 3].map((i) => rec(i)))).rejects.toThrow(
      /did not accept 1 of 3 records within 200 ms \(ProvisionedThroughputExceededException/,
    );
    const calls = kinesisMock.commandCalls(PutRecordsCommand);
    expect(calls.length).toBeGreaterThan(2);
    // After the first call only the refused entry was sent again.
    for (const c of calls.slice(1)) expect(dataOf(c.args[0].input)).toEqual([2]);
    await s.close();
  });

  it('names the records Kinesis took when a put fails part-way (one call of several, or entries of one)', async () => {
    // 600 records → calls of 500 and 100. The second call is refused for good; in the first, the
    // entry with data byte 7 keeps being throttled until the deadline.
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      const ids = dataOf(input);
      if (ids.length === 100) {
        throw Object.assign(new Error('Access denied'), { name: 'AccessDeniedException' });
      }
      return {
        FailedRecordCount: ids.filter((id) => id === 7).length,
        Records: ids.map((id) =>
          id === 7
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' }
            : { SequenceNumber: `${id}`, ShardId: 's' },
        ),
      };
    });
    const s = stream({ deadlineMs: 100, backoff: { minMs: 5, maxMs: 10 } });
    const records = Array.from({ length: 600 }, (_, i) => rec(i));
    const err = await s.put(records).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialPutError);
    const { delivered, message } = err as PartialPutError;
    expect(message).toMatch(/AccessDeniedException|did not accept/);
    expect(message).toMatch(/\(498 of 600 records were accepted\)/);
    // Data bytes wrap at 256: records 7 and 263 carry byte 7; records 500.. were in the refused call.
    expect(delivered.flatMap((ok, i) => (ok ? [] : [i]))).toEqual([
      7,
      263,
      ...Array.from({ length: 100 }, (_, i) => 500 + i),
    ]);
    await s.close();
  });

  it('does not retry errors retrying cannot fix', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('Stream hits not found'), { name: 'ResourceNotFoundException' }));
    const s = stream();
    await expect(s.put([rec(1)])).rejects.toThrow(/ResourceNotFoundException/);
    expect(kinesisMock.commandCalls(PutRecordsCommand)).toHaveLength(1);
    await s.close();
  });

  it('isHealthy asks DescribeStreamSummary, and trusts a recent successful put', async () => {
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(new Error('connect ECONNREFUSED'));
    const s = stream();
    expect(await s.isHealthy()).toBe(false);
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: { StreamStatus: 'ACTIVE' } as never,
    });
    expect(await s.isHealthy()).toBe(true);
    kinesisMock.on(DescribeStreamSummaryCommand).rejects(new Error('down'));
    kinesisMock
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1', ShardId: 's' }] });
    await s.put([rec(1)]);
    expect(await s.isHealthy()).toBe(true);
    await s.close();
    expect(await s.isHealthy()).toBe(false);
  });

  it('gives up on a call that hangs past requestTimeoutMs and retries it; close() aborts a hanging call', async () => {
    const reasons: string[] = [];
    let calls = 0;
    // A call that never answers until its signal aborts; the second call answers at once.
    const hangFirst: PutRecordsFn = (entries, signal) => {
      calls++;
      if (calls > 1)
        return Promise.resolve({ Records: entries.map(() => ({ SequenceNumber: '1', ShardId: 's' })) });
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          reasons.push((signal.reason as Error).name);
          reject(signal.reason);
        }),
      );
    };
    const s = stream({ putRecords: hangFirst, requestTimeoutMs: 50 });
    const started = Date.now();
    await s.put([rec(1)]);
    expect(calls).toBe(2);
    expect(reasons).toEqual(['TimeoutError']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await s.close();

    const hangAlways: PutRecordsFn = (_entries, signal) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    const t = stream({ putRecords: hangAlways, requestTimeoutMs: 60_000 });
    const pending = t.put([rec(2)]);
    await new Promise((r) => setTimeout(r, 20));
    await t.close();
    await expect(pending).rejects.toThrow(/closed before the put finished/);
  });

  it('backs off exponentially with jitter, within [cap/2, cap], capped at maxMs', () => {
    const opts = { minMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, opts, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, () => 1)).toBe(100);
    expect(backoffDelay(3, opts, () => 1)).toBe(400);
    expect(backoffDelay(10, opts, () => 1)).toBe(1000);
    expect(backoffDelay(10, opts, () => 0)).toBe(500);
  });
});
