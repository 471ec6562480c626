import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogIdSet } from './log-id-set.ts';

/** A few ids of each shape, so that generated sequences repeat them. */
const UUIDS = [
  '0190d9f4-8f3b-7c6e-9a51-2b7a8f0c1d2e',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '80000000-0000-0000-0000-000000000001',
];
const id = fc.oneof(
  fc.constantFrom(...UUIDS),
  fc.uuid(),
  // Text the table must not take: the same UUIDs in uppercase or braces, a hyphen moved, a digit
  // that is no hex, a non-ASCII character, one character short or long.
  fc.constantFrom(...UUIDS).map((u) => u.toUpperCase()),
  fc.constantFrom(...UUIDS).map((u) => `{${u}}`),
  fc.constantFrom('0190d9f48-f3b-7c6e-9a51-2b7a8f0c1d2e', '0190d9f4-8f3b-7c6e-9a51-2b7a8f0c1d2g'),
  fc.constantFrom('0190d9f4-8f3b-7c6e-9a51-2b7a8f0c1d2é', '0190d9f4-8f3b-7c6e-9a51-2b7a8f0c1d2'),
  fc.constantFrom('', 'a', '0190d9f4-8f3b-7c6e-9a51-2b7a8f0c1d2e0'),
  fc.string({ maxLength: 40 }),
);

describe('LogIdSet', () => {
  it('answers as a Set<string> would, add after add, whatever the text', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 60 }), fc.array(id, { maxLength: 10 }), (adds, probes) => {
        const set = new LogIdSet();
        const ref = new Set<string>();
        for (const x of adds) {
          expect(set.add(x)).toBe(!ref.has(x));
          ref.add(x);
          expect(set.size).toBe(ref.size);
        }
        for (const x of [...probes, ...adds]) expect(set.has(x)).toBe(ref.has(x));
        expect(new Set(set)).toEqual(ref);
        expect([...set]).toHaveLength(ref.size);
      }),
      { numRuns: 300 },
    );
  });

  it('tells whether two sets share an id, and crosses to another thread as its data', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 30 }), fc.array(id, { maxLength: 30 }), (xs, ys) => {
        const [a, b] = [new LogIdSet(), new LogIdSet()];
        for (const x of xs) a.add(x);
        for (const y of ys) b.add(y);
        const shared = xs.some((x) => ys.includes(x));
        expect(a.intersects(b)).toBe(shared);
        expect(b.intersects(a)).toBe(shared);
        const moved = new LogIdSet(structuredClone(b.data().data));
        expect(new Set(moved)).toEqual(new Set(ys));
        expect(a.intersects(moved)).toBe(shared);
      }),
      { numRuns: 300 },
    );
  });

  it('holds nothing once cleared, its grown table kept, and answers as a Set<string> again', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 40 }), fc.array(id, { maxLength: 40 }), (before, after) => {
        const set = new LogIdSet();
        for (let i = 0; i < 3_000; i++) set.add(randomUUID());
        for (const x of before) set.add(x);
        const slots = set.slots;
        set.clear();
        expect(set.size).toBe(0);
        expect(set.slots).toBe(slots);
        expect([...set]).toEqual([]);
        for (const x of before) expect(set.has(x)).toBe(false);
        const ref = new Set<string>();
        for (const x of after) {
          expect(set.add(x)).toBe(!ref.has(x));
          ref.add(x);
        }
        expect(new Set(set)).toEqual(ref);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps every id as its table grows past its first size', () => {
    const set = new LogIdSet();
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    for (const x of ids) expect(set.add(x)).toBe(true);
    for (const x of ids) expect(set.add(x)).toBe(false);
    expect(set.size).toBe(ids.length);
    expect(new Set(set)).toEqual(new Set(ids));
    expect(set.has(randomUUID())).toBe(false);
  });
});
