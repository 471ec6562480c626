/**
 * The `log_id`s a plan kept, for first-wins dedupe (`plan-fold.ts`): a set of strings with the one
 * operation the fold needs per line, `add` telling whether the id was new.
 *
 * The ids the collector writes are UUIDs in lowercase canonical text, and such an id is its 128 bits:
 * it is kept as four 32-bit numbers in an open-addressing table of typed arrays. A `Set<string>` of
 * them cost ~8 % of planning on one core: each fresh string hashed, the table rehashed as it grew
 * (reading every string it held again), and 50,000 strings per batch kept alive through every young
 * collection. Any other text (uppercase, braces, no UUID at all: the schema admits any string) goes
 * to a plain `Set` beside the table; the two never hold the same id, since the text decides the place.
 */

/** Nibble value of a lowercase hex digit's char code, −1 for any other code below 128. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
const HYPHEN = 0x2d;

// The parsed id of the last `parse` call: module slots rather than an allocation per id.
let k0 = 0;
let k1 = 0;
let k2 = 0;
let k3 = 0;

/** `n` hex digits of `s` from `at` as an int32; a character that is not one makes `bad` negative. */
let bad = 0;
function hex(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? NIBBLE[c] : -1;
    bad |= d;
    v = (v << 4) | (d & 15);
  }
  return v;
}

/** Whether `id` is a lowercase canonical UUID (`8-4-4-4-12` hex digits); if so its bits are in k0…k3. */
function parse(id: string): boolean {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== HYPHEN ||
    id.charCodeAt(13) !== HYPHEN ||
    id.charCodeAt(18) !== HYPHEN ||
    id.charCodeAt(23) !== HYPHEN
  )
    return false;
  bad = 0;
  k0 = hex(id, 0, 8);
  k1 = (hex(id, 9, 4) << 16) | hex(id, 14, 4);
  k2 = (hex(id, 19, 4) << 16) | hex(id, 24, 4);
  k3 = hex(id, 28, 8);
  return bad >= 0;
}

/** A slot for k0…k3: UUIDv7's first 48 bits are a timestamp, so every word is mixed in. */
function hashOf(): number {
  let h = k3 ^ Math.imul(k2, 0x9e3779b1) ^ Math.imul(k1, 0x85ebca6b) ^ Math.imul(k0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

/** Puts the id held in slot `s` of a table's words into k0…k3. */
function load(words: Int32Array, s: number): void {
  k0 = words[s * 4];
  k1 = words[s * 4 + 1];
  k2 = words[s * 4 + 2];
  k3 = words[s * 4 + 3];
}

const hex8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

/** What crosses to another thread: the table's buffers are transferred, not copied. */
export interface LogIdSetData {
  words: Int32Array;
  used: Uint8Array;
  count: number;
  other: string[];
}

const FIRST_SLOTS = 1024;

export class LogIdSet {
  /** Four words per slot: the id's bits. */
  #words: Int32Array;
  /** 1 where the slot holds an id. */
  #used: Uint8Array;
  #mask: number;
  #count: number;
  #other: Set<string>;

  constructor(data?: LogIdSetData) {
    this.#words = data?.words ?? new Int32Array(FIRST_SLOTS * 4);
    this.#used = data?.used ?? new Uint8Array(FIRST_SLOTS);
    this.#mask = this.#used.length - 1;
    this.#count = data?.count ?? 0;
    this.#other = new Set(data?.other);
  }

  get size(): number {
    return this.#count + this.#other.size;
  }

  /** Adds `id`; true when it was not in the set. */
  add(id: string): boolean {
    if (!parse(id)) {
      const size = this.#other.size;
      this.#other.add(id);
      return this.#other.size !== size;
    }
    if (this.#find()) return false;
    this.#insert();
    // At half full the table doubles: probes stay short.
    if (++this.#count * 2 > this.#used.length) this.#grow();
    return true;
  }

  has(id: string): boolean {
    return parse(id) ? this.#find() : this.#other.has(id);
  }

  /**
   * Empties the set, keeping its table for the next ids (`plan.ts` hands a batch's sets to the next
   * batch): only the slots' used flags are reset, the words of an unused slot are never read.
   */
  clear(): void {
    this.#used.fill(0);
    this.#count = 0;
    this.#other.clear();
  }

  /** Slots in the table (tests; `plan.ts` keeps no table beyond a bound). */
  get slots(): number {
    return this.#used.length;
  }

  /** Whether the two sets share an id. */
  intersects(that: LogIdSet): boolean {
    const [small, big] = this.size <= that.size ? [this, that] : [that, this];
    for (const id of small.#other) if (big.#other.has(id)) return true;
    const w = small.#words;
    const used = small.#used;
    for (let s = 0; s < used.length; s++) {
      if (used[s] === 0) continue;
      load(w, s);
      if (big.#find()) return true;
    }
    return false;
  }

  /** Every id, as the text it was added as (the table's ids rebuilt from their bits). */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.#other;
    const w = this.#words;
    for (let s = 0; s < this.#used.length; s++) {
      if (this.#used[s] === 0) continue;
      const [a, b, c, d] = [w[s * 4], w[s * 4 + 1], w[s * 4 + 2], w[s * 4 + 3]].map(hex8);
      yield `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
    }
  }

  /** The set's contents for `postMessage`; the set must not be used after (its buffers move). */
  data(): { data: LogIdSetData; transfer: ArrayBuffer[] } {
    return {
      data: { words: this.#words, used: this.#used, count: this.#count, other: [...this.#other] },
      transfer: [this.#words.buffer as ArrayBuffer, this.#used.buffer as ArrayBuffer],
    };
  }

  /** Whether k0…k3 are in the table; if not, `#slot` is the empty slot where they would go. */
  #slot = 0;
  #find(): boolean {
    const w = this.#words;
    const used = this.#used;
    const mask = this.#mask;
    let s = hashOf() & mask;
    while (used[s] !== 0) {
      const i = s * 4;
      if (w[i] === k0 && w[i + 1] === k1 && w[i + 2] === k2 && w[i + 3] === k3) return true;
      s = (s + 1) & mask;
    }
    this.#slot = s;
    return false;
  }

  /** Puts k0…k3 in `#slot` (found empty by `#find`). */
  #insert(): void {
    const i = this.#slot * 4;
    this.#words[i] = k0;
    this.#words[i + 1] = k1;
    this.#words[i + 2] = k2;
    this.#words[i + 3] = k3;
    this.#used[this.#slot] = 1;
  }

  #grow(): void {
    const words = this.#words;
    const used = this.#used;
    this.#words = new Int32Array(words.length * 2);
    this.#used = new Uint8Array(used.length * 2);
    this.#mask = this.#used.length - 1;
    for (let s = 0; s < used.length; s++) {
      if (used[s] === 0) continue;
      load(words, s);
      this.#find();
      this.#insert();
    }
  }
}
