/**
 * Zero-filled, preallocated segments. Appending to a file that has to grow makes every group commit
 * allocate blocks and change the file size, so its `fdatasync` also commits filesystem metadata (a
 * journal commit on ext4), and the thread-pool `write` does more work while it preempts the event
 * loop on a one-core machine. Writing zeros over the whole segment once, before the writer needs it,
 * leaves every commit an overwrite of blocks that already exist: data only.
 *
 * `fallocate` is not a substitute: it leaves "unwritten" extents that the first real write converts,
 * which is again a metadata change per commit. (Node has no `fallocate` either.)
 */
import type { FileHandle } from 'node:fs/promises';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One write per thread-pool job: short enough not to hold the core for long at a time. */
const ZERO_CHUNK_BYTES = 1024 * 1024;
/** Flush as we go, so the disk never has a whole segment of zeros queued ahead of a commit's fsync. */
const SYNC_EVERY_BYTES = 8 * 1024 * 1024;
const ZEROS = Buffer.alloc(ZERO_CHUNK_BYTES);

/** Where the next segment is prepared; not a `.seg` name, so readers and retention never see it. */
export const SPARE_SEGMENT_NAME = 'next-segment.prealloc';

export const sparePath = (dir: string): string => join(dir, SPARE_SEGMENT_NAME);

/** Overwrites [from, to) with zeros (extending the file if it is shorter), then fdatasyncs. */
export async function zeroFill(fh: FileHandle, from: number, to: number): Promise<void> {
  let sinceSync = 0;
  for (let at = from; at < to; ) {
    const n = Math.min(ZERO_CHUNK_BYTES, to - at);
    const { bytesWritten } = await fh.write(ZEROS, 0, n, at);
    at += bytesWritten;
    sinceSync += bytesWritten;
    if (sinceSync >= SYNC_EVERY_BYTES && at < to) {
      await fh.datasync();
      sinceSync = 0;
    }
  }
  await fh.datasync();
}

/** Writes a zero-filled file of `bytes` at the spare path (replacing any), fdatasynced. */
export async function prepareSpare(dir: string, bytes: number): Promise<void> {
  const fh = await open(sparePath(dir), 'w');
  try {
    await zeroFill(fh, 0, bytes);
  } finally {
    await fh.close();
  }
}

/** Moves the prepared spare into place as a segment (the caller fsyncs the directory). */
export async function installSpare(dir: string, segmentPath: string): Promise<void> {
  await rename(sparePath(dir), segmentPath);
}

/** A spare left by a crash may be partly written: never trusted, always prepared again. */
export async function removeSpare(dir: string): Promise<void> {
  await unlink(sparePath(dir)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Offset just past the last non-zero byte in [from, to) of the file, or `from` if all are zero. */
export async function nonZeroEnd(fh: FileHandle, from: number, to: number): Promise<number> {
  let last = from;
  const buf = Buffer.allocUnsafe(ZERO_CHUNK_BYTES);
  for (let at = from; at < to; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - at), at);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    if (!chunk.equals(ZEROS.subarray(0, bytesRead))) {
      let i = bytesRead - 1;
      while (chunk[i] === 0) i--;
      last = at + i + 1;
    }
    at += bytesRead;
  }
  return last;
}
