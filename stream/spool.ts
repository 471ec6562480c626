/**
 * `StreamWriter` that keeps "2xx means durable" when the primary (Kinesis) is slow or down: a put goes
 * to the primary with a timeout; on failure or timeout the records are appended + fsynced to a
 * local segment-log spool instead (durable, so the put resolves). A background drainer replays the
 * spool to the primary in order, checkpointing as it goes. While the spool holds anything, new puts
 * go to the spool too, so they are replayed after what is already waiting. A spool left non-empty
 * by a previous run is drained on start.
 *
 * At-least-once: a put that timed out may still land in the primary and is then replayed from the
 * spool too; the transformer deduplicates by `log_id`. A put the primary took in part
 * (`PartialPutError`) is not: only the records it did not take are spooled or re-sent. Give the primary its own deadline below
 * `primaryTimeoutMs` (see `from-config.ts`) so that this stays rare.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type BackoffOptions, backoffDelay, sleep } from './backoff.ts';
import { OverloadedError, PartialPutError, type StreamRecord, type StreamWriter } from './contract.ts';
import type { SegmentLog, SegmentLogReader } from './segment-log/index.ts';
import { createSegmentLogReader, openSegmentLog } from './segment-log/index.ts';

export const SPOOL_DEFAULTS = {
  /** A primary put slower than this is spooled instead. */
  primaryTimeoutMs: 2_000,
  /** A drain put (up to `drainBatchRecords`) may take this long before it is retried. */
  drainTimeoutMs: 30_000,
  drainBatchRecords: 500,
  /** Waits between drain attempts while the primary keeps failing. */
  drainBackoff: { minMs: 200, maxMs: 10_000 } satisfies BackoffOptions,
  /** Small segments so retention gives disk back soon after a drain. */
  segmentBytes: 16 * 1024 * 1024,
} as const;

/** Hooks for the collector's metrics; `sink` labels a failure `primary` or `spool-drain`. */
export interface SpoolObserver {
  sinkError?(info: { sink: string; reason: string }): void;
  spooled?(info: { records: number; bytes: number }): void;
  spoolBytes?(bytes: number): void;
}

export interface SpoolingWriterOptions {
  primary: StreamWriter;
  spoolDir: string;
  /** Undrained spool bytes past which puts get `OverloadedError` and `isHealthy` is false. */
  spoolMaxBytes: number;
  primaryTimeoutMs?: number;
  drainTimeoutMs?: number;
  drainBatchRecords?: number;
  drainBackoff?: Partial<BackoffOptions>;
  segmentBytes?: number;
  observer?: SpoolObserver;
}

export interface SpoolingWriter extends StreamWriter {
  /** Bytes in the spool not yet replayed to the primary. */
  spooledBytes(): number;
  /** Resolves once the spool is empty (now, or after the drainer catches up). */
  whenDrained(): Promise<void>;
  readonly log: SegmentLog;
}

class TimeoutError extends Error {}

interface Taken {
  first: string;
  delivered: boolean[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // The primary may still finish after the timeout; its outcome no longer matters.
  p.catch(() => {});
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function createSpoolingWriter(options: SpoolingWriterOptions): Promise<SpoolingWriter> {
  const { primary, spoolDir, spoolMaxBytes, observer } = options;
  const primaryTimeoutMs = options.primaryTimeoutMs ?? SPOOL_DEFAULTS.primaryTimeoutMs;
  const drainTimeoutMs = options.drainTimeoutMs ?? SPOOL_DEFAULTS.drainTimeoutMs;
  const drainBatchRecords = options.drainBatchRecords ?? SPOOL_DEFAULTS.drainBatchRecords;
  const drainBackoff = { ...SPOOL_DEFAULTS.drainBackoff, ...options.drainBackoff };

  const log = await openSegmentLog(spoolDir, {
    segmentBytes: options.segmentBytes ?? SPOOL_DEFAULTS.segmentBytes,
  });
  const reader: SegmentLogReader = await createSegmentLogReader(spoolDir, {
    checkpointFile: join(spoolDir, 'drained.json'),
  });
  const pendingBytes = () => log.endPosition() - reader.position();

  let closed = false;
  let spooling = pendingBytes() > 0;
  let appendsInFlight = 0;
  const stop = new AbortController();
  let wake: (() => void) | null = null;
  let drainedWaiters: (() => void)[] = [];

  const kick = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  const markDrained = () => {
    spooling = false;
    const waiters = drainedWaiters;
    drainedWaiters = [];
    for (const w of waiters) w();
  };

  async function spool(records: StreamRecord[]): Promise<void> {
    spooling = true;
    appendsInFlight++;
    try {
      await log.append(records.map((r) => r.data));
    } finally {
      appendsInFlight--;
    }
    observer?.spooled?.({ records: records.length, bytes: records.reduce((n, r) => n + r.data.length, 0) });
    observer?.spoolBytes?.(pendingBytes());
    kick();
  }

  async function drainLoop(): Promise<void> {
    let attempt = 0;
    /** Records of the batch being drained that the primary already holds (after a partial put). */
    let taken: Taken | null = null;
    while (!closed) {
      const batch = await reader.next(drainBatchRecords);
      if (!batch) {
        if (appendsInFlight === 0 && pendingBytes() === 0) markDrained();
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (closed) resolve();
        });
        continue;
      }
      // A retried batch starts at the same record (the checkpoint did not move), so what the
      // primary took last time is known by index and not sent again.
      const first = batch.records[0].sequenceNumber;
      const cur: Taken = taken && taken.first === first ? taken : { first, delivered: [] };
      taken = cur;
      const unsent = batch.records.flatMap((r, i) => (cur.delivered[i] ? [] : [{ i, data: r.data }]));
      try {
        const records = unsent.map((r) => ({ partitionKey: randomUUID(), data: r.data }));
        if (records.length > 0) await withTimeout(primary.put(records), drainTimeoutMs, 'draining the spool');
        await reader.commit(batch);
        taken = null;
        attempt = 0;
        observer?.spoolBytes?.(pendingBytes());
      } catch (err) {
        if (err instanceof PartialPutError) {
          for (const [k, ok] of err.delivered.entries()) if (ok) cur.delivered[unsent[k].i] = true;
        }
        if (closed) break;
        attempt++;
        observer?.sinkError?.({ sink: 'spool-drain', reason: (err as Error).message });
        await sleep(backoffDelay(attempt, drainBackoff), stop.signal);
      }
    }
  }

  const drainer = drainLoop().catch((err: Error) => {
    // A broken spool must not crash the collector: puts still spool (and readiness reports it).
    observer?.sinkError?.({ sink: 'spool-drain', reason: `drainer stopped: ${err.message}` });
  });

  return {
    log,
    limits: primary.limits,
    spooledBytes: pendingBytes,
    whenDrained() {
      if (!spooling && appendsInFlight === 0) return Promise.resolve();
      return new Promise((resolve) => drainedWaiters.push(resolve));
    },
    async put(records) {
      if (closed) throw new Error('stream is closed');
      if (records.length === 0) return;
      if (pendingBytes() >= spoolMaxBytes) {
        throw new OverloadedError(`spool is full (${pendingBytes()} bytes waiting for the stream)`, 5);
      }
      if (!spooling) {
        try {
          await withTimeout(primary.put(records), primaryTimeoutMs, 'stream put');
          return;
        } catch (err) {
          observer?.sinkError?.({ sink: 'primary', reason: (err as Error).message });
          if (closed) throw err;
          // Spool only what the primary did not take; the rest is durable there already.
          if (err instanceof PartialPutError) {
            await spool(records.filter((_, i) => !err.delivered[i]));
            return;
          }
        }
      }
      await spool(records);
    },
    async isHealthy() {
      return !closed && log.isHealthy() && pendingBytes() < spoolMaxBytes;
    },
    async close() {
      if (closed) return;
      closed = true;
      stop.abort();
      kick();
      // Closing the primary aborts a drain put in flight; its batch stays in the spool for next time.
      await primary.close();
      await drainer;
      await reader.close();
      await log.close();
    },
  };
}
