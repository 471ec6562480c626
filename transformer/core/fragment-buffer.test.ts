import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFragmentBuffer } from './fragment-buffer.ts';

const written = (b: ReturnType<typeof createFragmentBuffer>) => b.buffer().toString('utf8', 0, b.length());
const key = (name: string) => Buffer.from(`,"${name}":`);

describe('the fragment buffer', () => {
  it('holds text, members and bytes in the order written, as UTF-8', () => {
    const b = createFragmentBuffer(8);
    b.sink.text(',"a":1');
    expect(b.sink.member(key('n'), 'é€')).toBe(true);
    expect(b.sink.member(key('p'), '/products/12?x=1')).toBe(true);
    b.sink.bytes(Buffer.from(',"b":"x"'));
    expect(written(b)).toBe(',"a":1,"n":"é€","p":"/products/12?x=1","b":"x"');
  });

  // Surrogates, even paired, take the caller's slow path (`jsonString`), as `quotesAsIs` says.
  it('writes a member as JSON.stringify would, or nothing when its value needs escaping', () => {
    // Short and long values, plain ASCII or not, with and without a char JSON escapes.
    const value = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: fc.constantFrom('a', '/', 'é', '"', '\\', '\n', '\u007f', '\ud800'), maxLength: 90 }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), (values) => {
        const b = createFragmentBuffer(4);
        let expected = '';
        for (const [i, v] of values.entries()) {
          const asIs = JSON.stringify(v) === `"${v}"` && !/[\ud800-\udfff]/.test(v);
          expect(b.sink.member(key(`c${i}`), v)).toBe(asIs);
          if (asIs) expected += `,"c${i}":${JSON.stringify(v)}`;
        }
        expect(written(b)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('grows past its first size without losing what it holds, and starts over on reset', () => {
    const b = createFragmentBuffer(16);
    const long = 'ü'.repeat(5_000);
    b.sink.text('start');
    b.sink.member(key('u'), long);
    b.sink.member(key('a'), 'a'.repeat(60));
    b.sink.bytes(Buffer.alloc(20_000, 0x61));
    expect(written(b)).toBe(`start,"u":"${long}","a":"${'a'.repeat(60)}"${'a'.repeat(20_000)}`);
    b.reset();
    b.sink.text('next');
    expect(written(b)).toBe('next');
  });
});
