import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, cp, mkdtemp, open, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadRecord } from '../contract.ts';
import { createSegmentLogReader, formatPosition, listSegments, openSegmentLog } from './index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-seglog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const payload = (i: number, size = 64) => {
  const b = randomBytes(size);
  b.writeUInt32BE(i, 0);
  return b;
};

async function readAll(logDir: string, checkpointFile = join(logDir, 'cp.json')): Promise<ReadRecord[]> {
  const reader = await createSegmentLogReader(logDir, { checkpointFile, retention: false });
  const out: ReadRecord[] = [];
  for (let b = await reader.next(1000); b; b = await reader.next(1000)) {
    out.push(...b.records);
    await reader.commit(b);
  }
  await reader.close();
  return out;
}

describe('segment log', () => {
  it('reads back every appended payload in order, byte-identical, at the positions append returned', async () => {
    const log = await openSegmentLog(dir);
    const payloads = Array.from({ length: 20 }, (_, i) => payload(i, 10 + i * 7));
    const positions = [...(await log.append(payloads.slice(0, 5))), ...(await log.append(payloads.slice(5)))];
    await log.close();
    const records = await readAll(dir);
    expect(records.map((r) => Buffer.from(r.data))).toEqual(payloads);
    expect(records.map((r) => r.sequenceNumber)).toEqual(positions.map(formatPosition));
    expect(records.every((r) => r.shardId === 'local-0' && r.sequenceNumber.length === 20)).toBe(true);
    const sorted = [...records.map((r) => r.sequenceNumber)].sort();
    expect(sorted).toEqual(records.map((r) => r.sequenceNumber));
    expect(Math.abs(records[0].arrivedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('group-commits concurrent appends: fewer fsyncs than appends, all durable', async () => {
    const log = await openSegmentLog(dir);
    const payloads = Array.from({ length: 500 }, (_, i) => payload(i));
    const positions = await Promise.all(payloads.map((p) => log.append([p])));
    const stats = log.stats();
    await log.close();
    expect(stats.appends).toBe(500);
    expect(stats.fsyncs).toBeLessThan(stats.appends / 5);
    expect(new Set(positions.flat()).size).toBe(500);
    const records = await readAll(dir);
    expect(records.map((r) => Buffer.from(r.data))).toEqual(payloads);
  });

  it('recovers a torn tail: a frame cut mid-way is dropped, everything before survives', async () => {
    const log = await openSegmentLog(dir);
    const payloads = Array.from({ length: 10 }, (_, i) => payload(i, 100));
    await log.append(payloads);
    const end = log.endPosition();
    await log.close();
    const [seg] = await listSegments(dir);
    // The file is preallocated past the data: cut at the end of the data, not of the file.
    await truncate(seg.path, end - 30); // the last frame loses its end

    const reopened = await openSegmentLog(dir);
    expect(reopened.stats().recoveredTruncatedBytes).toBeGreaterThan(0);
    const extra = payload(99, 100);
    await reopened.append([extra]);
    await reopened.close();
    const records = await readAll(dir);
    expect(records.map((r) => Buffer.from(r.data))).toEqual([...payloads.slice(0, 9), extra]);
  });

  it('recovers from a cut at any byte: exactly the frames wholly before the cut survive', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (sizes, cutAt) => {
          const d = await mkdtemp(join(dir, 'p-'));
          const log = await openSegmentLog(d);
          const payloads = sizes.map((n, i) => payload(i, Math.max(4, n)));
          const positions = await log.append(payloads);
          const end = log.endPosition();
          await log.close();
          const cut = Math.floor(cutAt * end);
          await truncate(join(d, '00000000000000000000.seg'), cut);
          const ends = positions.map((p, i) => p + 16 + payloads[i].length);
          const survivors = ends.filter((e) => e <= cut).length;
          const reopened = await openSegmentLog(d);
          expect(reopened.endPosition()).toBe(survivors === 0 ? 0 : ends[survivors - 1]);
          await reopened.close();
          expect((await readAll(d)).map((r) => Buffer.from(r.data))).toEqual(payloads.slice(0, survivors));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('recovers a tail of garbage (CRC fails) without losing any fsynced record', async () => {
    const log = await openSegmentLog(dir);
    const payloads = Array.from({ length: 10 }, (_, i) => payload(i, 100));
    await log.append(payloads);
    await log.close();
    const [seg] = await listSegments(dir);
    const garbage = Buffer.alloc(200, 7);
    garbage.writeUInt32BE(150, 0); // plausible length, wrong CRC
    await appendFile(seg.path, garbage);

    const reopened = await openSegmentLog(dir);
    expect(reopened.stats().recoveredTruncatedBytes).toBe(200);
    await reopened.close();
    expect((await readAll(dir)).map((r) => Buffer.from(r.data))).toEqual(payloads);
  });

  it('a reader treats a half-written tail as "not yet" and sees it once complete', async () => {
    const log = await openSegmentLog(dir);
    await log.append([payload(0)]);
    await log.close();
    const [seg] = await listSegments(dir);
    const reader = await createSegmentLogReader(dir, { retention: false });
    // Simulate the writer mid-write: a header promising 64 bytes, only 10 there.
    const partial = Buffer.alloc(26);
    partial.writeUInt32BE(64, 0);
    await appendFile(seg.path, partial);
    const first = await reader.next(10);
    expect(first?.records).toHaveLength(1);
    await reader.commit(first!);
    expect(await reader.next(10)).toBeNull();
    await reader.close();
  });

  it('preallocates segments: the file is zero-filled to the segment size and appends never grow it', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 8192 });
    const [seg] = await listSegments(dir);
    expect((await stat(seg.path)).size).toBe(8192);
    await log.append([payload(0, 100), payload(1, 200)]);
    expect((await stat(seg.path)).size).toBe(8192);
    expect(log.endPosition()).toBe(116 + 216);
    await log.close();
    const reopened = await openSegmentLog(dir, { segmentBytes: 8192 });
    expect(reopened.endPosition()).toBe(116 + 216);
    expect(reopened.stats().recoveredTruncatedBytes).toBe(0);
    await reopened.close();
  });

  it('an empty or all-zero payload is a record, not the end of the data', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 8192 });
    const payloads = [Buffer.alloc(0), Buffer.alloc(64), payload(2, 10), Buffer.alloc(0)];
    await log.append(payloads);
    await log.close();
    expect((await readAll(dir)).map((r) => Buffer.from(r.data))).toEqual(payloads);
    const reopened = await openSegmentLog(dir, { segmentBytes: 8192 });
    expect(reopened.endPosition()).toBe(16 + 80 + 26 + 16);
    await reopened.close();
  });

  it('reopens after a crash with a zero tail: a clean zero tail is kept, appends continue where the data ends', async () => {
    const live = join(dir, 'live');
    const log = await openSegmentLog(live, { segmentBytes: 8192 });
    const payloads = Array.from({ length: 5 }, (_, i) => payload(i, 50));
    await log.append(payloads);
    // What a kill -9 leaves: the files as they are, the writer never closed (copied while it is open).
    const crashed = join(dir, 'crashed');
    await cp(live, crashed, { recursive: true, filter: (src) => !src.endsWith('writer.lock') });
    await log.close();
    const reopened = await openSegmentLog(crashed, { segmentBytes: 8192 });
    expect(reopened.endPosition()).toBe(5 * 66);
    expect(reopened.stats().recoveredTruncatedBytes).toBe(0);
    const extra = payload(9, 50);
    expect(await reopened.append([extra])).toEqual([5 * 66]);
    await reopened.close();
    expect((await readAll(crashed)).map((r) => Buffer.from(r.data))).toEqual([...payloads, extra]);
  });

  it('a torn frame before the zero tail is dropped and zeroed, and so is a stray page further on', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 16384 });
    const payloads = Array.from({ length: 6 }, (_, i) => payload(i, 300));
    const positions = await log.append(payloads);
    await log.close();
    const [seg] = await listSegments(dir);
    const fh = await open(seg.path, 'r+');
    // The last frame's second half never reached the disk (zeros), and a later write's page did.
    await fh.write(Buffer.alloc(150), 0, 150, positions[5] + 16 + 150);
    await fh.write(Buffer.alloc(100, 0xab), 0, 100, 12000);
    await fh.close();

    const reopened = await openSegmentLog(dir, { segmentBytes: 16384 });
    expect(reopened.endPosition()).toBe(positions[5]);
    expect(reopened.stats().recoveredTruncatedBytes).toBe(12100 - positions[5]);
    expect((await stat(seg.path)).size).toBe(16384);
    // A shorter frame written over the torn one must not leave its remains readable as records.
    const extra = payload(99, 10);
    await reopened.append([extra]);
    await reopened.close();
    expect((await readAll(dir)).map((r) => Buffer.from(r.data))).toEqual([...payloads.slice(0, 5), extra]);
  });

  it('a reader does not return the zero-filled rest of a segment as records', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 4096 });
    // 62 frames of 66 bytes fill 4092 of 4096 bytes: less than a header of zeros ends each segment.
    const payloads = Array.from({ length: 150 }, (_, i) => payload(i, 50));
    const big = payload(200, 1000);
    await log.append(payloads.slice(0, 70));
    await log.append([big]); // leaves a larger zero gap at the end of the second segment
    await log.append(payloads.slice(70));
    await log.close();
    const records = await readAll(dir);
    expect(records).toHaveLength(151);
    expect(records.every((r) => r.data.length > 0)).toBe(true);
    expect(records.map((r) => Buffer.from(r.data))).toEqual([
      ...payloads.slice(0, 70),
      big,
      ...payloads.slice(70),
    ]);
  });

  it('a reader tailing the active preallocated segment sees each commit as it lands, and a torn frame as "not yet"', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 1024 * 1024 });
    const reader = await createSegmentLogReader(dir, { retention: false });
    expect(await reader.next(10)).toBeNull();
    for (let i = 0; i < 5; i++) {
      const p = payload(i, 40 + i);
      await log.append([p]);
      const b = await reader.next(10);
      expect(b?.records.map((r) => Buffer.from(r.data))).toEqual([p]);
      await reader.commit(b!);
      expect(await reader.next(10)).toBeNull();
    }
    // The writer mid-write: the header of the next frame is there, its payload still zeros.
    const [seg] = await listSegments(dir);
    const end = log.endPosition();
    const next = payload(5, 64);
    const fh = await open(seg.path, 'r+');
    const header = Buffer.alloc(16);
    header.writeUInt32BE(64, 0);
    header.writeUInt32BE(12345, 4);
    await fh.write(header, 0, 16, end);
    await fh.close();
    expect(await reader.next(10)).toBeNull();
    await log.append([next]); // overwrites the half-written frame in place
    expect((await reader.next(10))?.records.map((r) => Buffer.from(r.data))).toEqual([next]);
    await reader.close();
    await log.close();
  });

  it('a roll never waits for the zero-fill: a burst gets growing segments, later rolls preallocated ones', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 4096 });
    const payloads = Array.from({ length: 400 }, (_, i) => payload(i, 50));
    // One commit of 200 frames crosses three segment ends before any next segment was prepared.
    await log.append(payloads.slice(0, 200));
    expect(log.stats().preallocMisses).toBe(3);
    await new Promise((r) => setTimeout(r, 200)); // the background fill of the next segment
    for (let i = 200; i < 400; i += 20) {
      await log.append(payloads.slice(i, i + 20));
      await new Promise((r) => setTimeout(r, 100));
    }
    const segs = await listSegments(dir);
    const sizes = await Promise.all(segs.map(async (s) => (await stat(s.path)).size));
    expect(sizes.slice(1, 4).every((n) => n < 4096)).toBe(true); // grown to what was written
    // Later rolls had time to find a filled segment (on a very slow disk some may still miss).
    expect(sizes.slice(4).filter((n) => n === 4096).length).toBeGreaterThan(0);
    expect(sizes.every((n) => n <= 4096)).toBe(true);
    await log.close();
    expect((await readAll(dir)).map((r) => Buffer.from(r.data))).toEqual(payloads);
  });

  it('never installs a next segment left half-prepared by a crash', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 2048 });
    const first = payload(0, 100);
    await log.append([first]);
    await log.close();
    // A crash mid-preparation can leave anything there, e.g. blocks that were never zeroed.
    await appendFile(join(dir, 'next-segment.prealloc'), Buffer.alloc(1000, 0x77));
    const reopened = await openSegmentLog(dir, { segmentBytes: 2048 });
    const more = Array.from({ length: 40 }, (_, i) => payload(i + 1, 100));
    for (const p of more) await reopened.append([p]);
    await reopened.close();
    const segs = await listSegments(dir);
    expect(segs.length).toBeGreaterThan(2);
    expect((await readAll(dir)).map((r) => Buffer.from(r.data))).toEqual([first, ...more]);
  });

  it('keeps the reader checkpoint across reopen', async () => {
    const log = await openSegmentLog(dir);
    const payloads = Array.from({ length: 10 }, (_, i) => payload(i));
    await log.append(payloads);
    const cp = join(dir, 'reader.json');
    const r1 = await createSegmentLogReader(dir, { checkpointFile: cp });
    const b1 = await r1.next(4);
    expect(b1?.records).toHaveLength(4);
    // Uncommitted: the same batch comes again.
    expect((await r1.next(4))?.records.map((r) => r.sequenceNumber)).toEqual(
      b1?.records.map((r) => r.sequenceNumber),
    );
    await r1.commit(b1!);
    await r1.close();

    const r2 = await createSegmentLogReader(dir, { checkpointFile: cp });
    const b2 = await r2.next(100);
    expect(b2?.records.map((r) => Buffer.from(r.data))).toEqual(payloads.slice(4));
    await r2.close();
    await log.close();
  });

  it('rolls segments at the size limit, reads across them, and retention deletes those behind the checkpoint', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 1024 });
    const payloads = Array.from({ length: 60 }, (_, i) => payload(i, 100));
    for (let i = 0; i < 60; i += 7) await log.append(payloads.slice(i, i + 7));
    const segs = await listSegments(dir);
    expect(segs.length).toBeGreaterThan(5);
    for (const s of segs) expect((await stat(s.path)).size).toBeLessThanOrEqual(1024);

    const reader = await createSegmentLogReader(dir);
    const got: Buffer[] = [];
    for (let b = await reader.next(13); b; b = await reader.next(13)) {
      got.push(...b.records.map((r) => Buffer.from(r.data)));
      await reader.commit(b);
    }
    expect(got).toEqual(payloads);
    const left = (await readdir(dir)).filter((n) => n.endsWith('.seg'));
    expect(left).toHaveLength(1); // only the segment the writer still appends to
    expect(await log.sizeBytes()).toBeLessThanOrEqual(1024);

    const more = payload(1000, 100);
    await log.append([more]);
    expect((await reader.next(10))?.records.map((r) => Buffer.from(r.data))).toEqual([more]);
    await reader.close();
    await log.close();

    // A writer reopened after retention continues at the same positions.
    const reopened = await openSegmentLog(dir, { segmentBytes: 1024 });
    expect(reopened.endPosition()).toBe(log.endPosition());
    await reopened.close();
  });

  it('refuses a second writer on the same directory while the first is open', async () => {
    const log = await openSegmentLog(dir);
    await expect(openSegmentLog(dir)).rejects.toThrow(/already open/);
    await log.close();
    const again = await openSegmentLog(dir);
    await again.close();
  });

  it('a reader in another process sees records as the writer appends them', async () => {
    const log = await openSegmentLog(dir, { segmentBytes: 4096 });
    const payloads = Array.from({ length: 300 }, (_, i) => payload(i, 50));
    await log.append(payloads.slice(0, 100));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'read-log.fixture.ts'), dir, '300'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for (let i = 100; i < 300; i += 10) {
        await log.append(payloads.slice(i, i + 10));
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await log.close();
    }
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: string; hex: string });
    expect(lines.map((l) => l.hex)).toEqual(payloads.map((p) => p.toString('hex')));
  });
});
