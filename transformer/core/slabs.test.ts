import { describe, expect, it } from 'vitest';
import { makeBatch, makeRow } from '../testing/fixtures.ts';
import { comparablePlan } from '../testing/plans.ts';
import { planBatch, releasePlan } from './plan.ts';
import { giveBackSlabs, MAX_POOLED_BYTES, pooledSlabBytes, takeSlab } from './slabs.ts';

describe('slabs', () => {
  it('hands a slab given back out again, for its size only, once however many views point into it', () => {
    const a = takeSlab(1 << 16);
    giveBackSlabs([a.subarray(0, 10), a.subarray(10, 20), a]);
    expect(pooledSlabBytes()).toBe(1 << 16);
    expect(takeSlab(1 << 15).buffer).not.toBe(a.buffer);
    const again = takeSlab(1 << 16);
    expect(again.buffer).toBe(a.buffer);
    expect(pooledSlabBytes()).toBe(0);
    // Given back twice (the same memory in two plans' groups) it is pooled once.
    giveBackSlabs([again]);
    giveBackSlabs([again]);
    expect(pooledSlabBytes()).toBe(1 << 16);
    takeSlab(1 << 16);
  });

  it('keeps nothing it did not hand out, nor an odd size, nor past its bound', () => {
    giveBackSlabs([Buffer.allocUnsafe(1 << 16), new Uint8Array(1 << 16)]);
    giveBackSlabs([takeSlab(100_000)]);
    expect(pooledSlabBytes()).toBe(0);
    const big = Array.from({ length: MAX_POOLED_BYTES / (1 << 20) + 2 }, () => takeSlab(1 << 20));
    giveBackSlabs(big);
    expect(pooledSlabBytes()).toBe(MAX_POOLED_BYTES);
    for (let i = 0; i < big.length; i++) takeSlab(1 << 20);
    expect(pooledSlabBytes()).toBe(0);
  });
});

describe('releasePlan', () => {
  // Rows long enough that a batch fills slabs past the first sizes; every kept line is rebuilt
  // with its derived columns (the default deriver), so every group's bytes are in slabs.
  const batchOf = (tag: string) =>
    makeBatch(
      Array.from({ length: 20 }, (_, r) =>
        Array.from({ length: 50 }, (_, i) =>
          makeRow({
            url: `https://${tag}.example/p/${r}/${i}?utm_source=${tag}`,
            metadata: JSON.stringify({ pad: tag.repeat(200) }),
            // Two hours, so that two groups fill slabs at once.
            timestamp: i % 3 ? '2026-11-25T03:15:00.123Z' : '2026-11-25T04:15:00.123Z',
          }),
        ),
      ),
    );

  it('empties the groups, and plans made after it on reused memory equal plans made fresh', () => {
    const [a, b] = [batchOf('qqqq'), batchOf('zzzz')];
    const freshB = comparablePlan(planBatch(b));
    const planA = planBatch(a);
    const expectedA = comparablePlan(planA);
    releasePlan(planA);
    expect(planA.partitions.map((g) => [g.partition, g.ndjson.length, g.count])).toEqual(
      expectedA.partitions.map((g) => [g.partition, 0, g.count]),
    );
    const pooled = pooledSlabBytes();
    expect(pooled).toBeGreaterThan(1 << 20);
    const planB = planBatch(b);
    // Planning B took A's slabs back.
    expect(pooledSlabBytes()).toBeLessThan(pooled);
    expect(comparablePlan(planB)).toEqual(freshB);
    // B's bytes in memory that held A's lines: nothing of A shows through.
    expect(Buffer.concat(planB.partitions.flatMap((g) => g.ndjson)).includes('qqqq')).toBe(false);
    releasePlan(planB);
  });
});
