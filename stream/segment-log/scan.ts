/**
 * Reads consecutive frames from one segment file with large buffered reads. Shared by writer
 * recovery (find the valid end) and the reader (which may race the writer in another process).
 * Data ends at the end of the file or, in a preallocated segment, at the first all-zero header.
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeFrame, FRAME_HEADER_BYTES } from './frame.ts';

/**
 * The first read is small: in a preallocated segment the file size says nothing about how much data
 * there is, and a reader polling the active segment usually finds only a few frames past its position.
 */
const FIRST_READ_BYTES = 64 * 1024;
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
  /**
   * Why scanning stopped: end of file, the zero-filled rest of a preallocated segment (`end`), frame
   * limit, a frame cut short, or a bad length/CRC.
   */
  stop: 'eof' | 'end' | 'limit' | 'short' | 'corrupt';
}

function allZero(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

export async function scanFrames(
  fh: FileHandle,
  from: number,
  fileSize: number,
  maxFrames = Number.POSITIVE_INFINITY,
): Promise<ScanResult> {
  const frames: ScannedFrame[] = [];
  let off = from;
  let want = FIRST_READ_BYTES;
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
      if (f.reason === 'end') return { frames, end: off + pos, stop: 'end' };
      if (off + pos >= fileSize) return { frames, end: off + pos, stop: 'eof' };
      if (f.reason === 'corrupt') return { frames, end: off + pos, stop: 'corrupt' };
      // Fewer than a header's bytes left in the file, all zero: the unused rest of a full
      // preallocated segment (its last frame ended less than a header before the end).
      if (
        off + pos + FRAME_HEADER_BYTES > fileSize &&
        off + chunk.length >= fileSize &&
        allZero(chunk.subarray(pos))
      ) {
        return { frames, end: off + pos, stop: 'end' };
      }
      // Short: the frame continues past this chunk. Re-read from it if the file holds it all.
      const need = f.needBytes ?? FRAME_HEADER_BYTES;
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
