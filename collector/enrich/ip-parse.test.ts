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

/**
 * The masking code's former parser (regular expressions and splits; ip.ts now uses parseIPv6), kept
 * here as an independent reference: the normalised form of an address Node's isIPv6 accepts.
 */
function referenceNormalize(ip: string): string {
  const s = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a, b, c, d) =>
    [((+a << 8) | +b).toString(16), ((+c << 8) | +d).toString(16)].join(':'),
  );
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((h) => Number.parseInt(h, 16)));
  const gap = s.indexOf('::');
  const left = parse(gap < 0 ? s : s.slice(0, gap));
  const right = gap < 0 ? [] : parse(s.slice(gap + 2));
  const g = [...left, ...new Array(Math.max(0, 8 - left.length - right.length)).fill(0), ...right];
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  }
  return g.map((x) => x.toString(16)).join(':');
}

describe('parseIPv6', () => {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];

  it('reads every IPv6 address to the same eight groups as an independent parser', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        expect(parseIPv6(s, g), s).toBe(true);
        const norm = referenceNormalize(s);
        expect(normalizeIp(s)).toBe(norm);
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
