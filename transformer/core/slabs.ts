/**
 * The slabs that planning copies rebuilt lines into (`plan-fold.ts`: each kept line with its
 * derived members), kept for the next batch once the plan holding them has been written
 * (`releasePlan`). A batch's lines are tens of MiB: copied into fresh memory, every batch paid the
 * kernel's page faults and zeroing for all of it again, ~0.7 µs a hit of planning on one core
 * (bench/experiments/one-core-paired.ts); memory the process has already touched costs none of that.
 *
 * Only slabs taken here come back (not a buffer posted by the planning worker, nor a record's
 * decompressed body), each once however many runs of a plan point into it, and at most
 * `MAX_POOLED_BYTES` wait for reuse; the rest are left to the garbage collector as before.
 */

/** Enough for the rebuilt lines of a 50,000-hit batch, the bench's and a large Lambda batch. */
export const MAX_POOLED_BYTES = 64 * 1024 * 1024;

/** Free slabs by size (sizes are powers of two: the fold doubles them). */
const free = new Map<number, Buffer[]>();
let pooledBytes = 0;
/** The memory of slabs handed out and not yet given back. */
const lent = new WeakSet<ArrayBufferLike>();

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** A slab of `size` bytes, its contents undefined: one given back before, else new memory. */
export function takeSlab(size: number): Buffer {
  let slab = free.get(size)?.pop();
  if (slab) pooledBytes -= size;
  // allocUnsafe above 4 KiB gives a buffer of its own (never a view into Node's shared pool).
  else slab = Buffer.allocUnsafe(size);
  lent.add(slab.buffer);
  return slab;
}

/**
 * Takes back the slabs that `chunks` are views into, for `takeSlab` to hand out again: the caller
 * must hold no view into them any more, and neither may anyone it gave them to.
 */
export function giveBackSlabs(chunks: readonly Uint8Array[]): void {
  for (const c of chunks) {
    const memory = c.buffer;
    if (!lent.has(memory)) continue;
    lent.delete(memory);
    const size = memory.byteLength;
    if (!isPowerOfTwo(size) || pooledBytes + size > MAX_POOLED_BYTES) continue;
    let list = free.get(size);
    if (!list) {
      list = [];
      free.set(size, list);
    }
    list.push(Buffer.from(memory));
    pooledBytes += size;
  }
}

/** Bytes waiting in the pool (tests). */
export const pooledSlabBytes = (): number => pooledBytes;
