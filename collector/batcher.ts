/**
 * The `HitSink` the routes write to: groups rows of one kind into envelope records, puts records to
 * the `StreamWriter`, and resolves each `submit` only when every record holding its rows is durable.
 *
 * When to flush is group commit: rows wait while `maxPutsInFlight` puts are already in flight, and
 * go out together as soon as one settles, so under load each put carries what arrived during the
 * last one (bigger puts, fewer per hit) and with an idle stream a row goes out at once. `lingerMs`
 * is the least a flush waits for company (0: the rest of the current event-loop turn); a group
 * is cut early at `flushHits` rows or `flushBytes` bytes. One linger serves every kind, so rows of
 * several kinds from the same moment share one put (one PutRecords call).
 *
 * Memory is bounded by `maxInflightBytes` (serialised rows accepted but not yet durable): a submit
 * that would pass it is refused at once with `OverloadedError` and nothing of it is buffered.
 */

import type { LakeRow } from '../schemas/lake.ts';
import { OverloadedError, type StreamRecord, type StreamWriter } from '../stream/contract.ts';
import { type EnvelopeKind, encodeEnvelopeAsync } from '../stream/envelope.ts';
import type { HitSink, SinkObserver } from './sink.ts';

export interface BatcherOptions {
  stream: StreamWriter;
  flushHits: number;
  flushBytes: number;
  lingerMs: number;
  /** Puts (encode + stream put) at once; rows wait for a free one. Default 1. */
  maxPutsInFlight?: number;
  maxInflightBytes: number;
  observer?: SinkObserver;
}

/** One submit: settles when all records holding its rows settle. */
interface Ticket {
  pending: number;
  done: boolean;
  resolve(): void;
  reject(err: Error): void;
}

/** Rows of one kind cut into one record (before encoding). */
interface Chunk {
  kind: EnvelopeKind;
  lines: string[];
  bytes: number;
  tickets: Ticket[];
}

const randomKey = (): string => Math.random().toString(36).slice(2, 12);
/** What a settled chunk holds instead of its rows and tickets (shared, never written to). */
const NONE: never[] = [];

export function createBatcher(options: BatcherOptions): HitSink {
  const { stream, flushHits, flushBytes, lingerMs, maxInflightBytes, observer } = options;
  const maxPuts = Math.max(1, options.maxPutsInFlight ?? 1);
  const open = new Map<EnvelopeKind, Chunk>();
  /** The open rows' linger while it runs: a timer, or an immediate when lingerMs is 0. */
  let lingerTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** The linger passed while every put slot was taken: cut when one frees. */
  let lingerDue = false;
  let ready: Chunk[] = [];
  let dispatchScheduled = false;
  let putsInFlight = 0;
  let inflightBytes = 0;
  /** Chunks cut but not yet settled; close() waits for zero. */
  let unsettled = 0;
  let idleWaiters: (() => void)[] = [];
  let closed = false;
  /** `hasRoom()` is false with less free than about two beacon rows: a request then is refused anyway. */
  const earlyRefuseRoom = Math.min(2048, Math.floor(maxInflightBytes / 16));

  const settleTicket = (t: Ticket, err?: Error): void => {
    if (t.done) return;
    if (err) {
      t.done = true;
      t.reject(err);
      return;
    }
    if (--t.pending === 0) {
      t.done = true;
      t.resolve();
    }
  };

  const chunkSettled = (c: Chunk, err?: Error): void => {
    for (const t of c.tickets) settleTicket(t, err);
    // A settled chunk lets go of its rows and tickets at once (see `dispatch`).
    c.lines = NONE;
    c.tickets = NONE;
    inflightBytes -= c.bytes;
    observer?.inflightBytes?.(inflightBytes);
    if (--unsettled === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const clearLinger = (): void => {
    if (lingerTimer) {
      if (lingerMs === 0) clearImmediate(lingerTimer as NodeJS.Immediate);
      else clearTimeout(lingerTimer as NodeJS.Timeout);
    }
    lingerTimer = null;
    lingerDue = false;
  };

  const startLinger = (): void => {
    if (lingerTimer || lingerDue) return;
    lingerTimer = lingerMs === 0 ? setImmediate(lingerPassed) : setTimeout(lingerPassed, lingerMs);
  };

  function lingerPassed(): void {
    lingerTimer = null;
    if (putsInFlight >= maxPuts) lingerDue = true;
    else cutAll();
  }

  /** Moves a kind's open rows to `ready` (one record-to-be) and schedules a dispatch. */
  function cut(kind: EnvelopeKind): void {
    const g = open.get(kind);
    if (!g || g.lines.length === 0) return;
    open.delete(kind);
    if (open.size === 0) clearLinger();
    unsettled++;
    ready.push({ kind, lines: g.lines, bytes: g.bytes, tickets: g.tickets });
    scheduleDispatch();
  }

  function cutAll(): void {
    clearLinger();
    for (const kind of [...open.keys()]) cut(kind);
  }

  function scheduleDispatch(): void {
    if (dispatchScheduled || ready.length === 0 || putsInFlight >= maxPuts) return;
    dispatchScheduled = true;
    // Let the current tick's cuts join: several records per put.
    setImmediate(dispatch);
  }

  /** A put settled: its slot takes the rows that waited for it. */
  function slotFreed(): void {
    putsInFlight--;
    if (lingerDue || closed) cutAll();
    scheduleDispatch();
  }

  /** Encodes a chunk; splits one that compresses past the stream's record limit. */
  async function encode(c: Chunk): Promise<{ chunk: Chunk; data: Uint8Array }[]> {
    const data = await encodeEnvelopeAsync(c.kind, c.lines.join(''));
    if (data.length <= stream.limits.maxRecordBytes) return [{ chunk: c, data }];
    if (c.lines.length === 1) {
      chunkSettled(c, new Error(`a hit of ${c.bytes} bytes does not fit in one stream record`));
      return [];
    }
    const half = Math.ceil(c.lines.length / 2);
    const parts = [c.lines.slice(0, half), c.lines.slice(half)].map((lines) => ({
      kind: c.kind,
      lines,
      bytes: lines.reduce((n, l) => n + Buffer.byteLength(l), 0),
      tickets: c.tickets,
    }));
    // One more chunk to settle for the same tickets.
    unsettled++;
    for (const t of c.tickets) t.pending++;
    return (await Promise.all(parts.map(encode))).flat();
  }

  async function dispatch(): Promise<void> {
    dispatchScheduled = false;
    if (ready.length === 0 || putsInFlight >= maxPuts) return;
    const chunks = ready;
    ready = [];
    putsInFlight++;
    try {
      const encoded = (
        await Promise.all(
          chunks.map((c) =>
            encode(c).catch((err: Error) => {
              chunkSettled(c, err);
              return [];
            }),
          ),
        )
      ).flat();
      const max = stream.limits.maxRecordsPerPut;
      const puts: Promise<void>[] = [];
      for (let i = 0; i < encoded.length; i += max) puts.push(put(encoded.slice(i, i + max)));
      await Promise.all(puts);
    } finally {
      // Emptied, not just dropped: an array or chunk that a collection promoted while it was in
      // use (every mark-compact promotes what is live) stays in the old generation, dead, until
      // the next mark-compact — and whatever young objects it still points to survive every
      // scavenge until then and are promoted in turn ("nepotism"). Rows and tickets point on to the
      // requests' promises and replies: with 400 keep-alive connections, 1,226 bytes of garbage
      // promoted per request, 257 once emptied (bench/experiments/promotion-per-request.ts,
      // bench/results/promotion-per-request-*-2026-12-06.json).
      chunks.length = 0;
      slotFreed();
    }
  }

  async function put(items: { chunk: Chunk; data: Uint8Array }[]): Promise<void> {
    const records: StreamRecord[] = items.map((it) => ({ partitionKey: randomKey(), data: it.data }));
    const started = performance.now();
    try {
      await stream.put(records);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      observer?.sinkError?.({ sink: 'stream', reason: err.message });
      for (const it of items) chunkSettled(it.chunk, err);
      return;
    }
    const latencyMs = performance.now() - started;
    const byKind = new Map<EnvelopeKind, { hits: number; bytes: number; records: number }>();
    for (const it of items) {
      const s = byKind.get(it.chunk.kind) ?? { hits: 0, bytes: 0, records: 0 };
      s.hits += it.chunk.lines.length;
      s.bytes += it.data.length;
      s.records++;
      byKind.set(it.chunk.kind, s);
      chunkSettled(it.chunk);
    }
    for (const [kind, s] of byKind) observer?.flushed?.({ kind, ...s, latencyMs });
  }

  return {
    submit(kind, rows) {
      if (closed) return Promise.reject(new Error('sink is closed'));
      if (rows.length === 0) return Promise.resolve();
      const lines = new Array<string>(rows.length);
      const sizes = new Array<number>(rows.length);
      let total = 0;
      for (let i = 0; i < rows.length; i++) {
        lines[i] = `${JSON.stringify(rows[i] satisfies LakeRow)}\n`;
        sizes[i] = Buffer.byteLength(lines[i]);
        total += sizes[i];
      }
      if (inflightBytes + total > maxInflightBytes) {
        return Promise.reject(new OverloadedError('too many hits in flight'));
      }
      inflightBytes += total;
      observer?.inflightBytes?.(inflightBytes);
      return new Promise<void>((resolve, reject) => {
        const ticket: Ticket = { pending: 0, done: false, resolve, reject };
        for (let i = 0; i < lines.length; i++) {
          let g = open.get(kind);
          if (g && g.bytes + sizes[i] > flushBytes) {
            cut(kind);
            g = undefined;
          }
          if (!g) {
            g = { kind, lines: [], bytes: 0, tickets: [] };
            open.set(kind, g);
          }
          g.lines.push(lines[i]);
          g.bytes += sizes[i];
          if (g.tickets[g.tickets.length - 1] !== ticket) {
            g.tickets.push(ticket);
            ticket.pending++;
          }
          if (g.lines.length >= flushHits || g.bytes >= flushBytes) cut(kind);
        }
        if (open.size > 0) startLinger();
      });
    },
    hasRoom() {
      return !closed && inflightBytes + earlyRefuseRoom <= maxInflightBytes;
    },
    async isReady() {
      return !closed && inflightBytes < maxInflightBytes && (await stream.isHealthy());
    },
    async close() {
      if (closed) return;
      closed = true;
      cutAll();
      if (unsettled > 0) await new Promise<void>((resolve) => idleWaiters.push(resolve));
      await stream.close();
    },
  };
}
