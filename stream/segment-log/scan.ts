/**
 * Reads consecutive frames from one segment file with large buffered reads. Shared by writer
 * recovery (find the valid end) and the reader (which may race the writer in another process).
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeFrame } from './frame.ts';

const READ_CHUNK_BYTES = 1024 * 1024;

export interface ScannedFrame {
  /** Byte offset of the frame in the file. */
  offset: number;
  payload: Buffer;
  appendedAtMs: number;
  bytes: number;
}

export interface ScanResult {
  frames: ScannedFrame[];
  /** File offset just past the last valid frame returned. */
  end: number;
  /** Why scanning stopped: end of file, frame limit, a frame cut short, or a bad length/CRC. */
  stop: 'eof' | 'limit' | 'short' | 'corrupt';
}

export async function scanFrames(
  fh: FileHandle,
  from: number,
  fileSize: number,
  maxFrames = Number.POSITIVE_INFINITY,
): Promise<ScanResult> {
  const frames: ScannedFrame[] = [];
  let off = from;
  let want = READ_CHUNK_BYTES;
  while (frames.length < maxFrames) {
    const left = fileSize - off;
    if (left <= 0) return { frames, end: off, stop: 'eof' };
    const size = Math.min(want, left);
    const buf = Buffer.allocUnsafe(size);
    const { bytesRead } = await fh.read(buf, 0, size, off);
    const chunk = buf.subarray(0, bytesRead);
    let pos = 0;
    want = READ_CHUNK_BYTES;
    while (frames.length < maxFrames) {
      const f = decodeFrame(chunk, pos);
      if (f.ok) {
        frames.push({ offset: off + pos, payload: f.payload, appendedAtMs: f.appendedAtMs, bytes: f.bytes });
        pos += f.bytes;
        continue;
      }
      if (off + pos >= fileSize) return { frames, end: off + pos, stop: 'eof' };
      if (f.reason === 'corrupt') return { frames, end: off + pos, stop: 'corrupt' };
      // Short: the frame continues past this chunk. Re-read from it if the file holds it all.
      const need = f.needBytes ?? 16;
      if (pos === 0 && (bytesRead < size || off + need > fileSize)) {
        return { frames, end: off, stop: 'short' };
      }
      if (off + pos + need > fileSize) return { frames, end: off + pos, stop: 'short' };
      want = Math.max(READ_CHUNK_BYTES, need);
      break;
    }
    off += pos;
  }
  return { frames, end: off, stop: 'limit' };
}
