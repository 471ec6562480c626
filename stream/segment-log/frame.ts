/**
 * The on-disk frame of the segment log (pure, no I/O):
 *
 *   u32 payload length | u32 CRC32(append time + payload) | u64 append time (ms) | payload
 *
 * Big-endian. The CRC covers the time too, so a torn or half-written frame never decodes: a reader
 * in another process may see a frame mid-write and must treat it as "not yet".
 *
 * Segments are preallocated (zero-filled ahead of the writer), so the data of a segment ends at the
 * first all-zero header. That is unambiguous: a real frame's CRC covers its append time, and the
 * CRC32 of eight zero bytes is not zero, so no frame encodes to sixteen zero bytes.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 16;
/** Larger lengths are garbage (a torn header), not a record: Kinesis records are ≤ 1 MiB. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export function frameBytes(payloadLength: number): number {
  return FRAME_HEADER_BYTES + payloadLength;
}

export function encodeFrame(payload: Uint8Array, appendedAtMs: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  out.writeBigUInt64BE(BigInt(appendedAtMs), 8);
  out.set(payload, FRAME_HEADER_BYTES);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(crc32(out.subarray(8)), 4);
  return out;
}

export type FrameRead =
  | { ok: true; payload: Buffer; appendedAtMs: number; bytes: number }
  /**
   * `short`: the buffer ends inside the frame; `corrupt`: length or CRC is wrong; `end`: a zero
   * header, i.e. the preallocated part of the segment nothing was written to yet.
   */
  | { ok: false; reason: 'short' | 'corrupt' | 'end'; needBytes?: number };

/** Decodes the frame starting at `offset` of `buf` (the payload is a view, not a copy). */
export function decodeFrame(buf: Buffer, offset: number): FrameRead {
  if (buf.length - offset < FRAME_HEADER_BYTES) return { ok: false, reason: 'short' };
  const length = buf.readUInt32BE(offset);
  if (
    length === 0 &&
    buf.readUInt32BE(offset + 4) === 0 &&
    buf.readUInt32BE(offset + 8) === 0 &&
    buf.readUInt32BE(offset + 12) === 0
  ) {
    return { ok: false, reason: 'end' };
  }
  if (length > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'corrupt' };
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > buf.length) return { ok: false, reason: 'short', needBytes: FRAME_HEADER_BYTES + length };
  const crc = buf.readUInt32BE(offset + 4);
  if (crc32(buf.subarray(offset + 8, end)) !== crc) return { ok: false, reason: 'corrupt' };
  return {
    ok: true,
    payload: buf.subarray(offset + FRAME_HEADER_BYTES, end),
    appendedAtMs: Number(buf.readBigUInt64BE(offset + 8)),
    bytes: FRAME_HEADER_BYTES + length,
  };
}
