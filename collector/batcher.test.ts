import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OverloadedError, type StreamRecord, type StreamWriter } from '../stream/contract.ts';
import { decodeEnvelope, EnvelopeKind } from '../stream/envelope.ts';
import { createSegmentLogReader } from '../stream/segment-log/index.ts';
import { createSegmentLogWriter } from '../stream/segment-log/stream-writer.ts';
import { makeRow } from '../test/durability/rows.ts';
import { createBatcher } from './batcher.ts';

/** An in-memory StreamWriter that records puts; `hold` keeps puts pending until released. */
function recordingStream(opts: { hold?: boolean; fail?: (records: StreamRecord[]) => boolean } = {}) {
  const puts: StreamRecord[][] = [];
  const held: (() => void)[] = [];
  let closed = false;
  const stream: StreamWriter = {
    limits: { maxRecordBytes: 1024 * 1024, maxRecordsPerPut: 500 },
    async put(records) {
      if (opts.hold) await new Promise<void>((r) => held.push(r));
      if (opts.fail?.(records)) throw new Error('stream down');
      puts.push(records);
    },
    isHealthy: async () => !closed,
    async close() {
      closed = true;
    },
  };
  return {
    stream,
    puts,
    release: () => {
      for (const r of held.splice(0)) r();
    },
    heldCount: () => held.length,
    isClosed: () => closed,
  };
}

const lines = (r: StreamRecord): string[] => {
  const d = decodeEnvelope(r.data);
  if (!d.ok) throw new Error(d.reason);
  return d.lines;
};
const ids = (n: number, prefix = 'h') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const rows = (n: number, prefix = 'h', padding = 0) => ids(n, prefix).map((id) => makeRow(id, padding));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls `cond` every millisecond, up to 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !cond(); i++) await sleep(1);
  if (!cond()) throw new Error('condition not met within 5 s');
}
const base = { flushHits: 500, flushBytes: 256 * 1024, lingerMs: 5, maxInflightBytes: 64 << 20 };

describe('batcher', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('flushes at flushHits without waiting for the linger timer', async () => {
    const s = recordingStream();
    const sink = createBatcher({ ...base, stream: s.stream, flushHits: 10, lingerMs: 60_000 });
    await sink.submit(EnvelopeKind.LAKE_ROWS, rows(20));
    const records = s.puts.flat();
    expect(records.map((r) => lines(r).length)).toEqual([10, 10]);
    expect(records.flatMap(lines).map((l) => JSON.parse(l).log_id)).toEqual(ids(20));
    await sink.close();
  });

  it('flushes at flushBytes: no record holds more NDJSON than the limit', async () => {
    const s = recordingStream();
    const sink = createBatcher({ ...base, stream: s.stream, flushBytes: 4096, lingerMs: 5 });
    const padded = rows(40, 'b', 600); // ~1 KiB each
    await sink.submit(EnvelopeKind.LAKE_ROWS, padded.slice(0, 20));
    const records = s.puts.flat();
    expect(records.length).toBeGreaterThanOrEqual(5);
    for (const r of records)
      expect(Buffer.byteLength(lines(r).join('\n')) + lines(r).length).toBeLessThanOrEqual(4096);
    // Every row once. Records of different flushes are put concurrently and may land in any order
    // (as with Kinesis under random partition keys); within a record rows keep submission order.
    const seq = (r: StreamRecord) => lines(r).map((l) => Number(JSON.parse(l).log_id.slice(1)));
    expect(records.flatMap(seq).sort((a, b) => a - b)).toEqual(ids(20).map((_, i) => i));
    for (const r of records) expect(seq(r)).toEqual([...seq(r)].sort((a, b) => a - b));
    await sink.close();
  });

  it('flushes a partial batch after lingerMs, joining submits of the same moment into one record', async () => {
    const s = recordingStream();
    const flushed: { hits: number; records: number }[] = [];
    const sink = createBatcher({
      ...base,
      stream: s.stream,
      lingerMs: 20,
      observer: { flushed: (f) => flushed.push({ hits: f.hits, records: f.records }) },
    });
    await Promise.all([
      sink.submit(EnvelopeKind.LAKE_ROWS, rows(3, 'a')),
      sink.submit(EnvelopeKind.LAKE_ROWS, rows(2, 'b')),
    ]);
    expect(s.puts).toHaveLength(1);
    expect(s.puts[0].map((r) => lines(r).length)).toEqual([5]);
    expect(flushed).toEqual([{ hits: 5, records: 1 }]);
    await sink.close();
  });

  it('keeps kinds in separate records and puts kinds opened within one linger in one put', async () => {
    const s = recordingStream();
    const sink = createBatcher({ ...base, stream: s.stream, lingerMs: 40 });
    const first = sink.submit(EnvelopeKind.LAKE_ROWS, rows(2, 'l'));
    // The second kind opens later than the first: one linger timer still cuts both together.
    await new Promise((r) => setTimeout(r, 10));
    await Promise.all([first, sink.submit(EnvelopeKind.DROPPED_BOTS, rows(1, 'd'))]);
    expect(s.puts).toHaveLength(1);
    const kinds = s.puts[0].map((r) => r.data[0]).sort();
    expect(kinds).toEqual([EnvelopeKind.LAKE_ROWS, EnvelopeKind.DROPPED_BOTS]);
    await sink.close();
  });

  it('group commit: with every put slot taken rows wait, then leave together when one frees', async () => {
    const s = recordingStream({ hold: true });
    const sink = createBatcher({ ...base, stream: s.stream, lingerMs: 0, maxPutsInFlight: 1 });
    const first = sink.submit(EnvelopeKind.LAKE_ROWS, rows(1, 'a'));
    await until(() => s.heldCount() === 1); // an idle stream: the lone row leaves at once
    const later = [1, 2, 3].map((n) => sink.submit(EnvelopeKind.LAKE_ROWS, rows(n, `b${n}-`)));
    await sleep(30);
    expect(s.heldCount()).toBe(1); // the slot is taken: nothing else is put yet
    s.release();
    await first;
    await until(() => s.heldCount() === 1);
    s.release();
    await Promise.all(later);
    expect(s.puts.map((p) => p.map((r) => lines(r).length))).toEqual([[1], [6]]);
    await sink.close();
  });

  it('never has more than maxPutsInFlight puts pending', async () => {
    const s = recordingStream({ hold: true });
    const sink = createBatcher({ ...base, stream: s.stream, flushHits: 2, lingerMs: 0, maxPutsInFlight: 2 });
    const acks: Promise<void>[] = [];
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, s.heldCount());
    }, 1);
    for (let i = 0; i < 30; i++) {
      acks.push(sink.submit(EnvelopeKind.LAKE_ROWS, rows(3, `r${i}-`)));
      await sleep(1);
      if (i % 5 === 4) s.release();
    }
    const settled = Promise.all(acks);
    let done = false;
    void settled.then(() => {
      done = true;
    });
    while (!done) {
      await until(() => done || s.heldCount() > 0);
      most = Math.max(most, s.heldCount());
      s.release();
    }
    clearInterval(watch);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    const ids = s.puts.flatMap((p) => p.flatMap((r) => lines(r).map((l) => JSON.parse(l).log_id)));
    expect(new Set(ids).size).toBe(90);
    await sink.close();
  });

  it('refuses at once with OverloadedError past maxInflightBytes, buffering nothing, and recovers', async () => {
    const s = recordingStream({ hold: true });
    const inflight: number[] = [];
    const max = 20_000;
    const sink = createBatcher({
      ...base,
      stream: s.stream,
      lingerMs: 0,
      maxInflightBytes: max,
      observer: { inflightBytes: (b) => inflight.push(b) },
    });
    const accepted: Promise<void>[] = [];
    let refused = 0;
    const refusedIds: string[] = [];
    for (let i = 0; i < 100; i++) {
      const p = sink.submit(EnvelopeKind.LAKE_ROWS, rows(1, `o${i}-`, 200));
      p.catch(() => {});
      // Refusal comes at once, not after the (held) stream answers.
      const settled = await Promise.race([
        p.then(
          () => 'ok',
          (e) => e,
        ),
        new Promise((r) => setImmediate(() => r('pending'))),
      ]);
      if (settled instanceof OverloadedError) {
        refused++;
        refusedIds.push(`o${i}-0`);
      } else accepted.push(p);
    }
    expect(refused).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
    expect(Math.max(...inflight)).toBeLessThanOrEqual(max);
    // Full: routes can tell before they read a body.
    expect(sink.hasRoom?.()).toBe(false);
    while (s.heldCount() === 0) await new Promise((r) => setTimeout(r, 1));
    s.release();
    const release = setInterval(s.release, 1);
    await Promise.all(accepted);
    clearInterval(release);
    const delivered = s.puts
      .flat()
      .flatMap(lines)
      .map((l) => JSON.parse(l).log_id);
    expect(delivered).toHaveLength(accepted.length);
    expect(delivered.filter((id) => refusedIds.includes(id))).toEqual([]);
    expect(inflight[inflight.length - 1]).toBe(0);
    expect(sink.hasRoom?.()).toBe(true);
    const after = sink.submit(EnvelopeKind.LAKE_ROWS, rows(1, 'after'));
    const release2 = setInterval(s.release, 1);
    await after;
    clearInterval(release2);
    await sink.close();
  });

  it('rejects the submits whose records the stream did not take, and only those', async () => {
    const s = recordingStream({
      fail: (records) => records.some((r) => lines(r).some((l) => l.includes('"bad'))),
    });
    const errors: string[] = [];
    const sink = createBatcher({
      ...base,
      stream: s.stream,
      flushHits: 5,
      observer: { sinkError: (e) => errors.push(e.reason) },
    });
    const good = sink.submit(EnvelopeKind.LAKE_ROWS, rows(5, 'good'));
    await good;
    // 8 rows across two records; the second record fails → the whole submit rejects.
    const mixed = sink.submit(EnvelopeKind.LAKE_ROWS, [...rows(5, 'ok'), ...rows(3, 'bad')]);
    await expect(mixed).rejects.toThrow('stream down');
    expect(errors).toContain('stream down');
    expect(
      s.puts
        .flat()
        .flatMap(lines)
        .some((l) => l.includes('"bad')),
    ).toBe(false);
    await sink.close();
  });

  it('close() flushes what is buffered, then closes the stream; later submits reject', async () => {
    const s = recordingStream();
    const sink = createBatcher({ ...base, stream: s.stream, lingerMs: 60_000 });
    const p = sink.submit(EnvelopeKind.LAKE_ROWS, rows(7));
    await sink.close();
    await p;
    expect(s.puts.flat().flatMap(lines)).toHaveLength(7);
    expect(s.isClosed()).toBe(true);
    await expect(sink.submit(EnvelopeKind.LAKE_ROWS, rows(1))).rejects.toThrow(/closed/);
  });

  it('over the segment-log stream: every acknowledged row is in the log exactly once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'alt-batcher-'));
    const stream = await createSegmentLogWriter(dir);
    const sink = createBatcher({ ...base, stream, flushHits: 50, lingerMs: 2 });
    const all = ids(2000, 's');
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        sink.submit(
          EnvelopeKind.LAKE_ROWS,
          all.slice(i * 10, i * 10 + 10).map((id) => makeRow(id)),
        ),
      ),
    );
    const fsyncs = stream.log.stats().fsyncs;
    await sink.close();
    const reader = await createSegmentLogReader(dir);
    const seen: string[] = [];
    for (let b = await reader.next(1000); b; b = await reader.next(1000)) {
      for (const r of b.records) {
        const d = decodeEnvelope(r.data);
        if (!d.ok) throw new Error(d.reason);
        seen.push(...d.lines.map((l) => JSON.parse(l).log_id));
      }
      await reader.commit(b);
    }
    await reader.close();
    expect(seen.sort()).toEqual([...all].sort());
    expect(fsyncs).toBeLessThan(200);
  });
});
