/**
 * The writer side of the segment log: one process appends; every append resolves only after its
 * frames are written and fdatasync'ed. Appends that arrive while a write+fsync is running are
 * group-committed by the next one (one write, one fsync for all of them), which is what makes
 * thousands of durable hits per second possible on one disk.
 *
 * After a write or fsync error the log refuses further appends (the kernel may have dropped the
 * dirty pages, so nothing about the tail can be trusted); reopening recovers the valid prefix.
 */

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../atomic-file.ts';
import { encodeFrame, frameBytes } from './frame.ts';
import { scanFrames } from './scan.ts';
import { listSegments, segmentFileName } from './segments.ts';
import { acquireWriterLock } from './writer-lock.ts';

export const SEGMENT_LOG_DEFAULTS = {
  /** A new segment starts once the current one would pass this size. */
  segmentBytes: 64 * 1024 * 1024,
} as const;

export interface SegmentLogOptions {
  segmentBytes?: number;
}

export interface SegmentLogStats {
  appends: number;
  records: number;
  writes: number;
  fsyncs: number;
  /** Bytes cut off a torn tail when the log was opened. */
  recoveredTruncatedBytes: number;
}

export interface SegmentLog {
  readonly dir: string;
  /** Appends the payloads in order; resolves with each one's position once durable. */
  append(payloads: readonly Uint8Array[]): Promise<number[]>;
  /** Position the next frame will take (= bytes ever appended). */
  endPosition(): number;
  /** Bytes on disk in segments not yet deleted by a reader's retention. */
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
  await mkdir(dir, { recursive: true });
  const stats: SegmentLogStats = { appends: 0, records: 0, writes: 0, fsyncs: 0, recoveredTruncatedBytes: 0 };

  const releaseLock = await acquireWriterLock(dir);
  let active: Active;
  try {
    active = await openActiveSegment(dir, stats);
  } catch (err) {
    await releaseLock();
    throw err;
  }
  const queue: Pending[] = [];
  let flushing: Promise<void> | null = null;
  let failed: Error | null = null;
  let closed = false;

  async function roll(): Promise<void> {
    await active.fh.datasync();
    stats.fsyncs++;
    await active.fh.close();
    const start = active.start + active.size;
    // Not O_APPEND: Linux ignores the offset of a positional write on an O_APPEND file.
    const fh = await open(join(dir, segmentFileName(start)), 'w+');
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
      await active.fh.close();
      await releaseLock();
    },
  };
}

/** Opens the last segment (creating the first), cutting a torn or corrupt tail off it. */
async function openActiveSegment(dir: string, stats: SegmentLogStats): Promise<Active> {
  const segs = await listSegments(dir);
  if (segs.length === 0) {
    const fh = await open(join(dir, segmentFileName(0)), 'w+');
    await fsyncDir(dir);
    return { start: 0, fh, size: 0 };
  }
  const last = segs[segs.length - 1];
  const fh = await open(last.path, 'r+');
  try {
    const { size } = await fh.stat();
    const scan = await scanFrames(fh, 0, size);
    if (scan.end < size) {
      // Only never-acknowledged bytes live past the valid prefix: an append resolves after fsync,
      // and frames are written in order, so a torn frame is always the last one.
      await fh.truncate(scan.end);
      await fh.datasync();
      stats.recoveredTruncatedBytes = size - scan.end;
    }
    return { start: last.start, fh, size: scan.end };
  } catch (err) {
    await fh.close();
    throw err;
  }
}
