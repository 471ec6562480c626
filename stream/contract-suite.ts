/**
 * The behaviour every `StreamWriter` + matching `StreamReader` must show, as one shared vitest suite.
 * Each implementation's test file calls `describeStreamContract` with a factory for a fresh pair.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ReadRecord, StreamReader, StreamRecord, StreamWriter } from './contract.ts';

export interface StreamUnderTest {
  stream: StreamWriter;
  /** A reader of what `stream` wrote; a second call must resume from the committed checkpoint. */
  openReader(): Promise<StreamReader>;
  cleanup(): Promise<void>;
}

const record = (i: number, size = 200): StreamRecord => {
  const data = randomBytes(size);
  data.writeUInt32BE(i, 0);
  return { partitionKey: `k${i % 7}`, data };
};

/** Reads until `count` records arrived (or a deadline), committing as it goes. */
export async function readRecords(
  reader: StreamReader,
  count: number,
  timeoutMs = 20_000,
): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) {
    const batch = await reader.next(Math.min(500, count - out.length));
    if (!batch) {
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    out.push(...batch.records);
    await reader.commit(batch);
  }
  return out;
}

const hex = (d: Uint8Array) => Buffer.from(d).toString('hex');

export function describeStreamContract(name: string, make: () => Promise<StreamUnderTest>): void {
  describe(`Stream contract: ${name}`, () => {
    it('reads back every record put, in order, byte-identical', async () => {
      const t = await make();
      try {
        const records = Array.from({ length: 120 }, (_, i) => record(i, 50 + (i % 13) * 40));
        await t.stream.put(records.slice(0, 1));
        await t.stream.put([]);
        await t.stream.put(records.slice(1, 60));
        await t.stream.put(records.slice(60));
        const reader = await t.openReader();
        const got = await readRecords(reader, records.length);
        await reader.close();
        expect(got.map((r) => hex(r.data))).toEqual(records.map((r) => hex(r.data)));
        const seqs = got.map((r) => r.sequenceNumber);
        expect([...seqs].sort()).toEqual(seqs);
        expect(got.every((r) => r.arrivedAt instanceof Date && !Number.isNaN(r.arrivedAt.getTime()))).toBe(
          true,
        );
      } finally {
        await t.cleanup();
      }
    });

    it('delivers every record of concurrent puts, records up to the size limit included', async () => {
      const t = await make();
      try {
        const big = {
          partitionKey: 'big',
          data: randomBytes(Math.min(t.stream.limits.maxRecordBytes, 300_000)),
        };
        const groups = Array.from({ length: 8 }, (_, g) =>
          Array.from({ length: 10 }, (_, i) => record(g * 10 + i)),
        );
        await Promise.all([...groups.map((g) => t.stream.put(g)), t.stream.put([big])]);
        const reader = await t.openReader();
        const got = await readRecords(reader, 81);
        await reader.close();
        expect(got.map((r) => hex(r.data)).sort()).toEqual(
          [...groups.flat(), big].map((r) => hex(r.data)).sort(),
        );
      } finally {
        await t.cleanup();
      }
    });

    it('a reopened reader resumes after the committed checkpoint; an uncommitted batch comes again', async () => {
      const t = await make();
      try {
        const records = Array.from({ length: 30 }, (_, i) => record(i));
        await t.stream.put(records);
        const r1 = await t.openReader();
        const first = await readRecords(r1, 10);
        expect(first.map((r) => hex(r.data))).toEqual(records.slice(0, 10).map((r) => hex(r.data)));
        let uncommitted = await r1.next(5);
        for (let i = 0; !uncommitted && i < 50; i++) uncommitted = await r1.next(5);
        expect(uncommitted?.records.map((r) => hex(r.data))).toEqual(
          records.slice(10, 15).map((r) => hex(r.data)),
        );
        await r1.close();
        const r2 = await t.openReader();
        const rest = await readRecords(r2, 20);
        await r2.close();
        expect(rest.map((r) => hex(r.data))).toEqual(records.slice(10).map((r) => hex(r.data)));
      } finally {
        await t.cleanup();
      }
    });

    it('is healthy while open; after close it is not and puts reject', async () => {
      const t = await make();
      try {
        expect(await t.stream.isHealthy()).toBe(true);
        await t.stream.close();
        expect(await t.stream.isHealthy()).toBe(false);
        await expect(t.stream.put([record(1)])).rejects.toThrow();
      } finally {
        await t.cleanup();
      }
    });
  });
}
