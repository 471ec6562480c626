/**
 * The derived members of the row at hand (`derive.ts`), as the deriver writes them: one buffer per
 * planning fold, reused row after row and grown when a row needs more, so that a row's members
 * cost no allocation. The fold copies them into the rebuilt line (`plan-fold.ts`).
 */
import { type FragmentSink, quotesAsIs } from './derive.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/**
 * Values up to this many UTF-16 code units are copied char by char when they are plain ASCII: a
 * derived value is mostly a few to a few dozen characters (a host, a path, a channel), for which
 * the call into `Buffer.write` (and the escape test's regexp before it) cost more than the copy.
 */
const SHORT_VALUE = 64;

export interface FragmentBuffer {
  readonly sink: FragmentSink;
  /** The bytes written since `reset`: `buffer()[0, length())`. */
  buffer(): Buffer;
  length(): number;
  reset(): void;
}

export function createFragmentBuffer(initialBytes = 4096): FragmentBuffer {
  let buf = Buffer.allocUnsafe(initialBytes);
  let len = 0;
  const reserve = (bytes: number) => {
    if (len + bytes <= buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(buf.length * 2, len + bytes));
    buf.copy(next, 0, 0, len);
    buf = next;
  };
  return {
    sink: {
      text(text) {
        // UTF-8 takes at most 3 bytes per UTF-16 code unit: a bound without measuring the text.
        reserve(text.length * 3);
        len += buf.write(text, len);
      },
      bytes(bytes) {
        reserve(bytes.length);
        buf.set(bytes, len);
        len += bytes.length;
      },
      member(key, value) {
        const n = value.length;
        reserve(key.length + n * 3 + 2);
        const start = len;
        let at = len;
        for (let i = 0; i < key.length; i++) buf[at++] = key[i];
        buf[at++] = QUOTE;
        if (n <= SHORT_VALUE) {
          let i = 0;
          for (; i < n; i++) {
            const c = value.charCodeAt(i);
            // ASCII but C0 controls, `"` and `\`: JSON's text for the char is its one byte.
            if (c < 0x20 || c >= 0x80 || c === QUOTE || c === BACKSLASH) break;
            buf[at++] = c;
          }
          if (i < n) {
            // Anything else (non-ASCII, DEL, a char to escape): the value as a whole, the slow way.
            if (!quotesAsIs(value)) return false;
            at = start + key.length + 1;
            at += buf.write(value, at);
          }
        } else {
          if (!quotesAsIs(value)) return false;
          at += buf.write(value, at);
        }
        buf[at++] = QUOTE;
        len = at;
        return true;
      },
    },
    buffer: () => buf,
    length: () => len,
    reset() {
      len = 0;
    },
  };
}
