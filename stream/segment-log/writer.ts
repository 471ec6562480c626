/**
 * The writer side of the segment log: one process appends; every append resolves only after its
 * frames are written and fdatasync'ed. Appends that arrive while a write+fsync is running are
 * group-committed by the next one (one write, one fsync for all of them), which is what makes
 * thousands of durable hits per second possible on one disk.
 *
 * Segments are preallocated (`prealloc.ts`): a new segment is a zero-filled file of `segmentBytes`,
 * prepared in the background once the current one is half full and renamed into place when the
 * writer rolls over, so commits overwrite existing blocks at the write offset and never grow the
 * file. A roll that finds it not ready yet starts a growing segment rather than wait. The data of
 * a segment ends at its first all-zero frame header (`frame.ts`).
 *
 * After a write or fsync error the log refuses further appends (the kernel may have dropped the
 * dirty pages, so nothing about the tail can be trusted); reopening recovers the valid prefix.
 */

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../atomic-file.ts';
import { encodeFrame, frameBytes } from './frame.ts';
import { installSpare, nonZeroEnd, prepareSpare, removeSpare, zeroFill } from './prealloc.ts';
import { scanFrames } from './scan.ts';
import { listSegments, segmentFileName } from './segments.ts';
import { acquireWriterLock } from './writer-lock.ts';

export const SEGMENT_LOG_DEFAULTS = {
  /** A new segment starts once the current one would pass this size. */
  segmentBytes: 64 * 1024 * 1024,
  preallocate: true,
} as const;

export interface SegmentLogOptions {
  segmentBytes?: number;
  /**
   * Zero-fill each segment to `segmentBytes` before writing to it (default true). `false` is the
   * older behaviour, appending by growing the file; kept for the paired benchmark
   * (`bench/experiments/segment-prealloc.ts`). Either setting reads logs written by the other.
   */
  preallocate?: boolean;
}

export interface SegmentLogStats {
  appends: number;
  records: number;
  writes: number;
  fsyncs: number;
  /**
   * Rolls that found the next segment not zero-filled yet (a burst wrote half a segment faster than
   * the background could fill one) and started a growing segment instead of waiting.
   */
  preallocMisses: number;
  /** Bytes of a torn tail cut off (past the segment size) or zeroed (inside it) when the log was opened. */
  recoveredTruncatedBytes: number;
}

export interface SegmentLog {
  readonly dir: string;
  /** Appends the payloads in order; resolves with each one's position once durable. */
  append(payloads: readonly Uint8Array[]): Promise<number[]>;
  /** Position the next frame will take (= bytes ever appended). */
  endPosition(): number;
  /**
   * Bytes of frames in segments not yet deleted by a reader's retention. Disk use is larger: the
   * active segment and the one being prepared are full-size files of zeros ahead of the data.
   */
  sizeBytes(): Promise<number>;
  isHealthy(): boolean;
  stats(): SegmentLogStats;
  /** Waits for queued appends, then closes; later appends reject. */
  close(): Promise<void>;
}

interface Pending {
  payloads: readonly Uint8Array[];
  resolve(positions: number[]): void;
  reject(err: Error): void;
}

interface Active {
  start: number;
  fh: FileHandle;
  size: number;
}

export async function openSegmentLog(dir: string, options: SegmentLogOptions = {}): Promise<SegmentLog> {
  const segmentBytes = options.segmentBytes ?? SEGMENT_LOG_DEFAULTS.segmentBytes;
  const preallocate = options.preallocate ?? SEGMENT_LOG_DEFAULTS.preallocate;
  await mkdir(dir, { recursive: true });
  const stats: SegmentLogStats = {
    appends: 0,
    records: 0,
    writes: 0,
    fsyncs: 0,
    preallocMisses: 0,
    recoveredTruncatedBytes: 0,
  };

  const releaseLock = await acquireWriterLock(dir);
  let active: Active;
  try {
    active = await openActiveSegment(dir, stats, preallocate ? segmentBytes : 0);
  } catch (err) {
    await releaseLock();
    throw err;
  }
  const queue: Pending[] = [];
  let flushing: Promise<void> | null = null;
  let failed: Error | null = null;
  let closed = false;
  /** The next segment, zero-filled in the background (started when the active one is half full). */
  let spare: { done: Promise<void>; ready: boolean } | null = null;
  /** Start of the segment during which a preparation failed: not retried before the next roll. */
  let spareFailedIn = -1;

  function prepareNext(): void {
    if (!preallocate || spare || active.size < segmentBytes / 2 || spareFailedIn === active.start) return;
    const s = { ready: false, done: Promise.resolve() };
    // A failed preparation (e.g. a full disk) is only a missed optimisation: the roll then starts a
    // growing segment, whose own writes report the error if the disk really is full.
    s.done = prepareSpare(dir, segmentBytes).then(
      () => {
        s.ready = true;
      },
      () => {
        if (spare === s) spare = null;
        spareFailedIn = active.start;
      },
    );
    spare = s;
  }

  async function roll(): Promise<void> {
    await active.fh.datasync();
    stats.fsyncs++;
    await active.fh.close();
    const start = active.start + active.size;
    const path = join(dir, segmentFileName(start));
    let fh: FileHandle;
    if (spare?.ready) {
      spare = null;
      await installSpare(dir, path);
      fh = await open(path, 'r+');
    } else {
      // Never wait for a zero-fill on the commit path: a segment that is not ready yet is used by
      // the roll after this one. Not O_APPEND: Linux ignores a positional write's offset with it.
      if (preallocate) stats.preallocMisses++;
      fh = await open(path, 'w+');
    }
    await fsyncDir(dir);
    active = { start, fh, size: 0 };
  }

  async function writeAll(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await active.fh.write(buf, done, buf.length - done, active.size + done);
      done += bytesWritten;
    }
    stats.writes++;
    active.size += buf.length;
  }

  /** Writes and fsyncs one group; returns positions per pending append. */
  async function commit(group: Pending[]): Promise<number[][]> {
    const now = Date.now();
    const positions: number[][] = [];
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    for (const p of group) {
      const mine: number[] = [];
      for (const payload of p.payloads) {
        const bytes = frameBytes(payload.length);
        if (active.size + chunkBytes > 0 && active.size + chunkBytes + bytes > segmentBytes) {
          if (chunkBytes > 0) await writeAll(Buffer.concat(chunk, chunkBytes));
          chunk = [];
          chunkBytes = 0;
          await roll();
        }
        mine.push(active.start + active.size + chunkBytes);
        chunk.push(encodeFrame(payload, now));
        chunkBytes += bytes;
      }
      positions.push(mine);
    }
    if (chunkBytes > 0) await writeAll(chunk.length === 1 ? chunk[0] : Buffer.concat(chunk, chunkBytes));
    await active.fh.datasync();
    stats.fsyncs++;
    prepareNext();
    return positions;
  }

  async function flushLoop(): Promise<void> {
    while (queue.length > 0) {
      const group = queue.splice(0, queue.length);
      if (failed) {
        for (const p of group) p.reject(failed);
        continue;
      }
      try {
        const positions = await commit(group);
        stats.appends += group.length;
        group.forEach((p, i) => {
          stats.records += positions[i].length;
          p.resolve(positions[i]);
        });
      } catch (err) {
        failed = new Error(`segment log ${dir} failed: ${(err as Error).message}`);
        for (const p of group) p.reject(failed);
      }
      // Emptied once answered: a group promoted while its write was in flight would otherwise keep
      // its records and callbacks through every scavenge until the next mark-compact (see the
      // batcher's `dispatch`).
      group.length = 0;
    }
    flushing = null;
  }

  return {
    dir,
    append(payloads) {
      if (closed) return Promise.reject(new Error('segment log is closed'));
      if (failed) return Promise.reject(failed);
      if (payloads.length === 0) return Promise.resolve([]);
      return new Promise<number[]>((resolve, reject) => {
        queue.push({ payloads, resolve, reject });
        flushing ??= flushLoop();
      });
    },
    endPosition: () => active.start + active.size,
    async sizeBytes() {
      const segs = await listSegments(dir);
      const first = segs.length > 0 ? Math.min(segs[0].start, active.start) : active.start;
      return active.start + active.size - first;
    },
    isHealthy: () => !closed && failed === null,
    stats: () => ({ ...stats }),
    async close() {
      if (closed) return;
      closed = true;
      if (flushing) await flushing;
      if (spare) await spare.done;
      await active.fh.close();
      await releaseLock();
    },
  };
}

/**
 * Opens the last segment (creating the first), cutting a torn or corrupt tail off it: past the valid
 * prefix, bytes beyond the segment size are truncated and bytes inside it are zeroed, so the segment
 * again ends at its first zero header. `preallocBytes` 0: no preallocation (truncate only).
 */
async function openActiveSegment(
  dir: string,
  stats: SegmentLogStats,
  preallocBytes: number,
): Promise<Active> {
  await removeSpare(dir);
  const segs = await listSegments(dir);
  if (segs.length === 0) {
    const path = join(dir, segmentFileName(0));
    if (preallocBytes > 0) {
      await prepareSpare(dir, preallocBytes);
      await installSpare(dir, path);
    }
    const fh = await open(path, preallocBytes > 0 ? 'r+' : 'w+');
    await fsyncDir(dir);
    return { start: 0, fh, size: 0 };
  }
  const last = segs[segs.length - 1];
  const fh = await open(last.path, 'r+');
  try {
    const { size } = await fh.stat();
    const scan = await scanFrames(fh, 0, size);
    // Only never-acknowledged bytes live past the valid prefix: an append resolves after fsync,
    // and frames are written in order, so a torn frame is always the last one. A torn write may
    // also have landed pages after a zero one, so the whole preallocated rest is checked, not
    // only up to the first zero header. A segment shorter than the preallocation (written before
    // it existed, or by `preallocate: false`) is continued by growing it, as it was written.
    const keep = Math.max(scan.end, preallocBytes);
    let cut = 0;
    if (size > keep) {
      await fh.truncate(keep);
      cut += size - keep;
    }
    const dirtyEnd = await nonZeroEnd(fh, scan.end, Math.min(size, keep));
    if (dirtyEnd > scan.end) {
      await zeroFill(fh, scan.end, dirtyEnd);
      cut += dirtyEnd - scan.end;
    }
    if (cut > 0) {
      await fh.datasync();
      stats.recoveredTruncatedBytes = cut;
    }
    return { start: last.start, fh, size: scan.end };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
