/**
 * How far `alt dev`'s transformer is behind its collector, in hits and in seconds, without either
 * side reading the other's state: the collector notes each stream write (when it completed, how
 * many hits), the transformer process reports watermarks — the arrival time of the last record of
 * each batch it committed, and the moment a drain found the stream empty. A write that completed
 * at or before a watermark is in the lake: its records were appended before the watermark's record
 * (or before the empty read), so the reader had passed them. Pure; the clock is passed in.
 */

export interface LagSnapshot {
  /** Hits acknowledged by the collector and not yet transformed. */
  hits: number;
  /** Age of the oldest of those hits' writes; 0 when caught up. */
  seconds: number;
}

export interface LagTracker {
  /** The collector's stream write of `hits` hits completed at `atMs`. */
  written(hits: number, atMs: number): void;
  /** Everything written at or before `atMs` has been transformed. */
  transformedThrough(atMs: number): void;
  snapshot(nowMs: number): LagSnapshot;
}

/**
 * Writes within this many milliseconds of an entry's first share it, so the queue stays small
 * however fast the collector flushes while the transformer is down. The entry leaves the queue once
 * a watermark passes its last write, and its age counts from its first.
 */
const COALESCE_MS = 100;

export function createLagTracker(): LagTracker {
  // Oldest first; `head` instead of shift() keeps dequeueing O(1) for a long backlog.
  const pending: { firstMs: number; lastMs: number; hits: number }[] = [];
  let head = 0;
  let hits = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  return {
    written(n, atMs) {
      if (n <= 0 || atMs <= watermark) return;
      const last = pending.length > head ? pending[pending.length - 1] : undefined;
      if (last && atMs >= last.lastMs && atMs - last.firstMs < COALESCE_MS) {
        last.hits += n;
        last.lastMs = atMs;
      } else pending.push({ firstMs: atMs, lastMs: atMs, hits: n });
      hits += n;
    },
    transformedThrough(atMs) {
      if (atMs <= watermark) return;
      watermark = atMs;
      while (head < pending.length && pending[head].lastMs <= atMs) hits -= pending[head++].hits;
      if (head > 1024 && head * 2 > pending.length) {
        pending.splice(0, head);
        head = 0;
      }
    },
    snapshot(nowMs) {
      if (head >= pending.length) return { hits: 0, seconds: 0 };
      return { hits, seconds: Math.max(0, (nowMs - pending[head].firstMs) / 1000) };
    },
  };
}
