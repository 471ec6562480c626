import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OverloadedError, PartialPutError, type StreamRecord, type StreamWriter } from './contract.ts';
import { createSpoolingWriter } from './spool.ts';

/** A primary we can switch between up, down (rejects) and hanging (never answers). */
function switchablePrimary() {
  const received: string[] = [];
  let mode: 'up' | 'down' | 'hang' = 'up';
  let closed = false;
  const stream: StreamWriter = {
    limits: { maxRecordBytes: 1 << 20, maxRecordsPerPut: 500 },
    async put(records) {
      if (closed) throw new Error('closed');
      if (mode === 'down') throw new Error('connect ECONNREFUSED');
      if (mode === 'hang') return new Promise(() => {});
      received.push(...records.map((r) => Buffer.from(r.data).toString()));
    },
    isHealthy: async () => mode === 'up',
    async close() {
      closed = true;
    },
  };
  return {
    stream,
    received,
    set: (m: typeof mode) => {
      mode = m;
    },
  };
}

const recs = (from: number, n: number): StreamRecord[] =>
  Array.from({ length: n }, (_, i) => ({ partitionKey: 'k', data: Buffer.from(`r${from + i}`) }));
const names = (from: number, n: number) => Array.from({ length: n }, (_, i) => `r${from + i}`);
const fastDrain = { drainBackoff: { minMs: 5, maxMs: 20 } };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('spooling stream', () => {
  it('spools while the primary is down (puts still resolve), then drains in order and writes directly again', async () => {
    const p = switchablePrimary();
    const spooled: number[] = [];
    const s = await createSpoolingWriter({
      primary: p.stream,
      spoolDir: dir,
      spoolMaxBytes: 1 << 20,
      ...fastDrain,
      observer: { spooled: (i) => spooled.push(i.records) },
    });
    await s.put(recs(0, 5));
    p.set('down');
    await s.put(recs(5, 5));
    await s.put(recs(10, 5));
    expect(spooled).toEqual([5, 5]);
    expect(s.spooledBytes()).toBeGreaterThan(0);
    expect(await s.isHealthy()).toBe(true); // the spool has room: still ready
    p.set('up');
    // While the spool is non-empty new puts queue behind it, keeping order.
    await s.put(recs(15, 5));
    await s.whenDrained();
    expect(p.received).toEqual(names(0, 20));
    expect(s.spooledBytes()).toBe(0);
    await s.put(recs(20, 1));
    expect(p.received).toEqual(names(0, 21));
    expect(spooled.reduce((a, b) => a + b, 0)).toBe(15);
    await s.close();
  });

  it('after a partial put, spools and re-sends only the records the primary did not take', async () => {
    const received: string[] = [];
    let refuse = (_name: string) => false;
    const primary: StreamWriter = {
      limits: { maxRecordBytes: 1 << 20, maxRecordsPerPut: 500 },
      async put(records) {
        const names = records.map((r) => Buffer.from(r.data).toString());
        const delivered = names.map((n) => !refuse(n));
        for (const [i, n] of names.entries()) if (delivered[i]) received.push(n);
        if (delivered.every(Boolean)) return;
        throw new PartialPutError('throttled', delivered);
      },
      isHealthy: async () => true,
      async close() {},
    };
    const spooled: number[] = [];
    const s = await createSpoolingWriter({
      primary,
      spoolDir: dir,
      spoolMaxBytes: 1 << 20,
      ...fastDrain,
      observer: { spooled: (i) => spooled.push(i.records) },
    });
    // Odd records are refused: the put resolves (they are spooled), the even ones are not spooled.
    refuse = (n) => Number(n.slice(1)) % 2 === 1;
    await s.put(recs(0, 6));
    expect(spooled).toEqual([3]);
    // The drain's first attempt gets r1 through, then r3 and r5 on the next.
    let attempts = 0;
    refuse = (n) => (n === 'r3' || n === 'r5') && attempts++ < 2;
    await s.whenDrained();
    expect([...received].sort()).toEqual(names(0, 6).sort());
    expect(received.filter((n) => n === 'r1')).toHaveLength(1);
    await s.close();
  });

  it('spools a put the primary does not answer within the timeout', async () => {
    const p = switchablePrimary();
    const s = await createSpoolingWriter({
      primary: p.stream,
      spoolDir: dir,
      spoolMaxBytes: 1 << 20,
      primaryTimeoutMs: 30,
      ...fastDrain,
    });
    p.set('hang');
    await s.put(recs(0, 3));
    expect(s.spooledBytes()).toBeGreaterThan(0);
    p.set('up');
    await s.whenDrained();
    expect(p.received).toEqual(names(0, 3));
    await s.close();
  });

  it('refuses puts with OverloadedError and reports unhealthy once the spool is full', async () => {
    const p = switchablePrimary();
    const s = await createSpoolingWriter({
      primary: p.stream,
      spoolDir: dir,
      spoolMaxBytes: 2000,
      ...fastDrain,
    });
    p.set('down');
    const big = (i: number) => [{ partitionKey: 'k', data: Buffer.alloc(600, i) }];
    await s.put(big(1));
    await s.put(big(2));
    await s.put(big(3));
    await s.put(big(4)).catch(() => {});
    await expect(s.put(big(5))).rejects.toBeInstanceOf(OverloadedError);
    expect(await s.isHealthy()).toBe(false);
    p.set('up');
    await s.whenDrained();
    expect(await s.isHealthy()).toBe(true);
    await s.close();
  });

  it('drains a spool left by a previous run first, before new puts', async () => {
    const p1 = switchablePrimary();
    p1.set('down');
    const s1 = await createSpoolingWriter({
      primary: p1.stream,
      spoolDir: dir,
      spoolMaxBytes: 1 << 20,
      ...fastDrain,
    });
    await s1.put(recs(0, 10));
    await s1.close(); // returns promptly although the primary is down

    const p2 = switchablePrimary();
    const s2 = await createSpoolingWriter({
      primary: p2.stream,
      spoolDir: dir,
      spoolMaxBytes: 1 << 20,
      ...fastDrain,
    });
    await s2.put(recs(10, 2));
    await s2.whenDrained();
    expect(p2.received).toEqual(names(0, 12));
    await s2.close();

    // Drained records are not replayed again on the next start.
    const p3 = switchablePrimary();
    const s3 = await createSpoolingWriter({
      primary: p3.stream,
      spoolDir: dir,
      spoolMaxBytes: 1 << 20,
      ...fastDrain,
    });
    await s3.whenDrained();
    expect(p3.received).toEqual([]);
    await s3.close();
  });
});
