import { describe, expect, it } from 'vitest';
import type { ReadRecord, StreamBatch, StreamReader } from '../../stream/contract.ts';
import type { BatchProcessor, BatchResult } from '../process-batch.ts';
import { createPoller } from './poller.ts';

/**
 * A stream still being written while it is drained, as `alt dev`'s is: every batch the processor
 * handles takes 200 ms of the fake clock, and 200 ms of records arrive meanwhile.
 */
function liveStream(backlog: number, perBatchArrivals: number) {
  let clock = 1_000_000;
  const log: ReadRecord[] = [];
  let committed = 0;
  const append = (n: number) => {
    for (let i = 0; i < n; i++) {
      log.push({
        shardId: 's',
        sequenceNumber: String(log.length).padStart(12, '0'),
        data: new Uint8Array(),
        arrivedAt: new Date(clock),
      });
    }
  };
  append(backlog);
  clock += 1;
  const reader: StreamReader = {
    async next(max) {
      if (committed >= log.length) return null;
      return { shardId: 's', records: log.slice(committed, committed + max) };
    },
    async commit(b: StreamBatch) {
      committed += b.records.length;
    },
    async close() {},
  };
  const sizes: number[] = [];
  const processor: BatchProcessor = {
    async process(b) {
      sizes.push(b.records.length);
      clock += 200;
      append(perBatchArrivals);
      return { counts: { records: b.records.length } } as unknown as BatchResult;
    },
  };
  return { reader, processor, sizes, now: () => clock, total: () => log.length, committed: () => committed };
}

describe('poller', () => {
  it('drains what the stream held when it began and stops, however fast records keep arriving', async () => {
    const s = liveStream(1_200, 60);
    const poller = createPoller({ reader: s.reader, processor: s.processor, maxRecords: 500, now: s.now });
    const r = await poller.runOnce();
    // 1,200 waiting: 500 + 500 + (200 + the 120 that arrived during the first two), then stop,
    // though 60 more arrived during the last batch.
    expect(s.sizes).toEqual([500, 500, 320]);
    expect(r.batches).toBe(3);
    expect(s.committed()).toBe(1_320);
    expect(s.total()).toBe(1_380);
    // The next drain takes what arrived meanwhile in one batch, not one per 200 ms.
    await poller.runOnce();
    expect(s.sizes.slice(3)).toEqual([60]);
  });

  it('ends on an empty read when nothing arrives', async () => {
    const s = liveStream(700, 0);
    const r = await createPoller({ reader: s.reader, processor: s.processor, now: s.now }).runOnce();
    expect(r.records).toBe(700);
    expect(s.committed()).toBe(700);
  });
});
