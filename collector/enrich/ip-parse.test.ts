import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIp } from './ip.ts';
import { parseIPv4, parseIPv6 } from './ip-parse.ts';

/** A valid address with one character inserted, replaced or removed: the near misses a parser gets wrong. */
const nearMiss = (valid: fc.Arbitrary<string>, alphabet: string[]) =>
  fc
    .tuple(valid, fc.nat(), fc.constantFrom(...alphabet), fc.constantFrom('insert', 'replace', 'delete'))
    .map(([s, at, ch, op]) => {
      const i = at % (s.length + 1);
      if (op === 'insert') return s.slice(0, i) + ch + s.slice(i);
      if (op === 'replace') return s.slice(0, i) + ch + s.slice(i + 1);
      return s.slice(0, i) + s.slice(i + 1);
    });

describe('parseIPv4', () => {
  it('reads every dotted quad to its 32-bit value', () => {
    fc.assert(
      fc.property(fc.ipV4(), (s) => {
        const expected = s.split('.').reduce((x, o) => x * 256 + Number(o), 0);
        expect(parseIPv4(s)).toBe(expected);
      }),
    );
  });

  it('accepts exactly what net.isIPv4 accepts', () => {
    const chars = ['0', '1', '2', '5', '9', '.', ' ', ':', 'a', '00', '256'];
    fc.assert(
      fc.property(fc.oneof(nearMiss(fc.ipV4(), chars), fc.ipV4Extended(), fc.string()), (s) => {
        expect(parseIPv4(s) >= 0, s).toBe(isIPv4(s));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('parseIPv6', () => {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];

  it('reads every IPv6 address to the same eight groups as the masking code', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        expect(parseIPv6(s, g), s).toBe(true);
        const norm = normalizeIp(s);
        if (norm.includes(':')) expect(g.map((x) => x.toString(16)).join(':')).toBe(norm);
        else
          expect([...g.slice(0, 6), `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`]).toEqual([
            0,
            0,
            0,
            0,
            0,
            0xffff,
            norm,
          ]);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts exactly what net.isIPv6 accepts', () => {
    const chars = [':', '::', '.', '0', 'f', 'F', 'g', '1.2.3.4', '%', ' '];
    fc.assert(
      fc.property(
        fc.oneof(nearMiss(fc.ipV6(), chars), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.') })),
        (s) => {
          // Zone ids are stripped by the caller before parsing.
          if (s.includes('%')) return;
          expect(parseIPv6(s, g), s).toBe(isIPv6(s));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it.each(['::', '::1', '1::', '::ffff:1.2.3.4', '1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:7::', 'FFFF::ABCD'])(
    'accepts %s',
    (s) => {
      expect(parseIPv6(s, g)).toBe(true);
    },
  );

  it.each([
    ':',
    ':::',
    '1:',
    ':1',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:1.2.3.4',
    '12345::',
    '::1.2.3',
    '::01.2.3.4',
  ])('refuses %s', (s) => {
    expect(parseIPv6(s, g)).toBe(false);
  });
});
