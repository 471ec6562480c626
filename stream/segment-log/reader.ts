/**
 * The reader side of the segment log, as a `StreamReader` (shard `local-0`). It may run in another
 * process than the writer: it trusts only frames whose length and CRC check out and treats a torn
 * tail of the last segment as "not yet written". Segments are preallocated, so data ends at the
 * first zero frame header, not at the file's size: in the segment being written that is where the
 * writer's last write ended. `next` always reads after the committed checkpoint
 * (an uncommitted batch is returned again), `commit` persists the checkpoint atomically and deletes
 * segments that lie wholly behind it.
 */
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../atomic-file.ts';
import type { ReadRecord, StreamBatch, StreamReader } from '../contract.ts';
import { FRAME_HEADER_BYTES } from './frame.ts';
import { scanFrames } from './scan.ts';
import { formatPosition, listSegments } from './segments.ts';

export const LOCAL_SHARD_ID = 'local-0';

export interface SegmentLogReaderOptions {
  /** Where the checkpoint lives; default `<dir>/checkpoint.json`. */
  checkpointFile?: string;
  /** Delete segments wholly behind the checkpoint on commit (default true). */
  retention?: boolean;
}

export interface SegmentLogReader extends StreamReader {
  /** The committed checkpoint: position of the first record not yet committed. */
  position(): number;
}

interface CheckpointFile {
  position: number;
}

export async function createSegmentLogReader(
  dir: string,
  options: SegmentLogReaderOptions = {},
): Promise<SegmentLogReader> {
  const checkpointFile = options.checkpointFile ?? join(dir, 'checkpoint.json');
  const retention = options.retention ?? true;
  const saved = await readJsonFile<CheckpointFile>(checkpointFile);
  let committed = saved?.position ?? 0;
  let closed = false;

  async function deleteBehind(position: number): Promise<void> {
    const segs = await listSegments(dir);
    // Never the last segment: the writer appends to it.
    for (let i = 0; i + 1 < segs.length; i++) {
      if (segs[i + 1].start > position) break;
      await unlink(segs[i].path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  return {
    position: () => committed,
    async next(maxRecords) {
      if (closed) throw new Error('reader is closed');
      const segs = await listSegments(dir);
      const records: ReadRecord[] = [];
      let pos = committed;
      while (records.length < maxRecords) {
        let idx = -1;
        for (let i = segs.length - 1; i >= 0; i--) {
          if (segs[i].start <= pos) {
            idx = i;
            break;
          }
        }
        if (idx === -1) {
          // Behind the oldest segment (already deleted): resume at the oldest there is.
          if (segs.length > 0 && segs[0].start > pos) {
            pos = segs[0].start;
            continue;
          }
          break;
        }
        const seg = segs[idx];
        const isLast = idx === segs.length - 1;
        const fh = await open(seg.path, 'r').catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        if (!fh) break;
        let scan: Awaited<ReturnType<typeof scanFrames>>;
        try {
          const { size } = await fh.stat();
          scan = await scanFrames(fh, pos - seg.start, size, maxRecords - records.length);
        } finally {
          await fh.close();
        }
        for (const f of scan.frames) {
          records.push({
            shardId: LOCAL_SHARD_ID,
            sequenceNumber: formatPosition(seg.start + f.offset),
            data: f.payload,
            arrivedAt: new Date(f.appendedAtMs),
          });
        }
        pos = seg.start + scan.end;
        if (scan.stop === 'limit' || isLast) break;
        if (scan.stop !== 'eof' && scan.stop !== 'end') {
          // A rolled segment was fsynced whole before the next one was created.
          throw new Error(`segment log ${dir}: ${scan.stop} frame at position ${pos} in a closed segment`);
        }
        pos = segs[idx + 1].start;
      }
      return records.length > 0 ? { shardId: LOCAL_SHARD_ID, records } : null;
    },
    async commit(batch: StreamBatch) {
      const last = batch.records[batch.records.length - 1];
      const next = Number(last.sequenceNumber) + FRAME_HEADER_BYTES + last.data.length;
      if (next <= committed) return;
      await writeFileAtomic(checkpointFile, JSON.stringify({ position: next } satisfies CheckpointFile));
      committed = next;
      if (retention) await deleteBehind(committed);
    },
    async close() {
      closed = true;
    },
  };
}
