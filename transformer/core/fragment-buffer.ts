/**
 * The derived members of the row at hand (`derive.ts`), as the deriver writes them: one buffer per
 * planning fold, reused row after row and grown when a row needs more, so that a row's members
 * cost no allocation. The fold copies them into the rebuilt line (`plan-fold.ts`).
 */
import type { FragmentSink } from './derive.ts';

const QUOTE = 0x22;

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
      quoted(value) {
        reserve(value.length * 3 + 2);
        buf[len++] = QUOTE;
        len += buf.write(value, len);
        buf[len++] = QUOTE;
      },
      bytes(bytes) {
        reserve(bytes.length);
        buf.set(bytes, len);
        len += bytes.length;
      },
    },
    buffer: () => buf,
    length: () => len,
    reset() {
      len = 0;
    },
  };
}
