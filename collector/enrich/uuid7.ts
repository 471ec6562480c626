/**
 * UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, version 7, 74 random bits. Time-ordered, so log ids
 * sort roughly by arrival and index well; random enough that they cannot be guessed.
 */
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// Random bytes are drawn in blocks: one syscall per 256 ids on the hot path.
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

export function uuidv7(nowMs: number = Date.now()): string {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  const ms = Math.max(0, Math.floor(nowMs));
  b[0] = Math.floor(ms / 2 ** 40) & 255;
  b[1] = Math.floor(ms / 2 ** 32) & 255;
  b[2] = (ms >>> 24) & 255;
  b[3] = (ms >>> 16) & 255;
  b[4] = (ms >>> 8) & 255;
  b[5] = ms & 255;
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i]];
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}
