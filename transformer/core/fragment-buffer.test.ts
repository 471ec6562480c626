import { describe, expect, it } from 'vitest';
import { createFragmentBuffer } from './fragment-buffer.ts';

const written = (b: ReturnType<typeof createFragmentBuffer>) => b.buffer().toString('utf8', 0, b.length());

describe('the fragment buffer', () => {
  it('holds text, quoted values and bytes in the order written, as UTF-8', () => {
    const b = createFragmentBuffer(8);
    b.sink.text(',"a":');
    b.sink.quoted('é😀');
    b.sink.bytes(Buffer.from(',"b":"x"'));
    expect(written(b)).toBe(',"a":"é😀","b":"x"');
  });

  it('grows past its first size without losing what it holds, and starts over on reset', () => {
    const b = createFragmentBuffer(16);
    const long = 'ü'.repeat(5_000);
    b.sink.text('start');
    b.sink.quoted(long);
    b.sink.bytes(Buffer.alloc(20_000, 0x61));
    expect(written(b)).toBe(`start"${long}"${'a'.repeat(20_000)}`);
    b.reset();
    b.sink.text('next');
    expect(written(b)).toBe('next');
  });
});
