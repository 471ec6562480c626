/**
 * A minimal MaxMind DB (MMDB v2) writer for tests, so the country lookup can be checked against
 * files laid out like a user's GeoLite2 / DB-IP database without shipping one (their licences
 * forbid it) and without a writer package (npm has none maintained). Follows the format spec
 * (maxmind.github.io/MaxMind-DB): a binary search tree of `record_size`-bit records, 16 zero
 * bytes, the data section, then `\xAB\xCD\xEFMaxMind.com` and the metadata map. Supports what the
 * tests need: maps, UTF-8 strings, unsigned integers, arrays; non-overlapping networks.
 */

export type MmdbValue = string | number | bigint | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `a.b.c.d/len` or an IPv6 CIDR; IPv4 networks sit under `::/96` in an IPv6 tree. */
  cidr: string;
  record: { [key: string]: MmdbValue };
}

export interface MmdbOptions {
  ipVersion?: 4 | 6;
  recordSize?: 24 | 28 | 32;
  databaseType?: string;
  /** Seconds since the epoch, as the spec says. */
  buildEpoch?: number;
  /**
   * Unreferenced bytes at the start of the data section, so that record values pass 2^24 and a
   * 28- or 32-bit record's high bits are exercised without millions of networks.
   */
  padData?: number;
}

type Child = TrieNode | { data: number } | undefined;
interface TrieNode {
  children: [Child, Child];
  index?: number;
}

function bitsOf(cidr: string, ipVersion: 4 | 6): { bits: number[]; length: number } {
  const [ip, len] = cidr.split('/');
  const prefix = Number(len);
  const bits: number[] = [];
  if (ip.includes('.')) {
    if (ipVersion === 6) for (let i = 0; i < 96; i++) bits.push(0);
    for (const octet of ip.split('.').map(Number)) for (let b = 7; b >= 0; b--) bits.push((octet >> b) & 1);
    return { bits, length: prefix + (ipVersion === 6 ? 96 : 0) };
  }
  if (ipVersion === 4) throw new Error(`IPv6 network ${cidr} in an IPv4 database`);
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':').map((h) => Number.parseInt(h, 16)) : []);
  const h = groups(head);
  const t = ip.includes('::') ? groups(tail) : [];
  const all = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  for (const g of all) for (let b = 15; b >= 0; b--) bits.push((g >> b) & 1);
  return { bits, length: prefix };
}

function control(type: number, size: number): number[] {
  const out: number[] = [];
  let sizeBits: number;
  const extra: number[] = [];
  if (size < 29) sizeBits = size;
  else if (size < 285) {
    sizeBits = 29;
    extra.push(size - 29);
  } else {
    sizeBits = 30;
    extra.push(((size - 285) >> 8) & 255, (size - 285) & 255);
  }
  if (type <= 7) out.push((type << 5) | sizeBits);
  else out.push(sizeBits, type - 7);
  return [...out, ...extra];
}

function uintBytes(v: bigint): number[] {
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 255n));
    v >>= 8n;
  }
  return out;
}

function encode(v: MmdbValue): number[] {
  if (typeof v === 'string') {
    const b = [...Buffer.from(v, 'utf8')];
    return [...control(2, b.length), ...b];
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    const b = uintBytes(BigInt(v));
    const type = b.length <= 2 ? 5 : b.length <= 4 ? 6 : 9; // uint16, uint32, uint64
    return [...control(type, b.length), ...b];
  }
  if (Array.isArray(v)) return [...control(11, v.length), ...v.flatMap(encode)];
  const entries = Object.entries(v);
  return [...control(7, entries.length), ...entries.flatMap(([k, x]) => [...encode(k), ...encode(x)])];
}

/** Builds an MMDB file holding `networks`. */
export function buildMmdb(networks: MmdbNetwork[], opts: MmdbOptions = {}): Buffer {
  const ipVersion = opts.ipVersion ?? 6;
  const recordSize = opts.recordSize ?? 24;
  const pad = opts.padData ?? 0;
  const data: number[] = [];
  const root: TrieNode = { children: [undefined, undefined] };
  for (const { cidr, record } of networks) {
    const offset = pad + data.length;
    data.push(...encode(record));
    const { bits, length } = bitsOf(cidr, ipVersion);
    let node = root;
    for (let i = 0; i < length - 1; i++) {
      let next = node.children[bits[i]];
      if (next === undefined) {
        next = { children: [undefined, undefined] };
        node.children[bits[i]] = next;
      }
      if ('data' in next) throw new Error(`${cidr} overlaps an earlier network`);
      node = next;
    }
    node.children[bits[length - 1]] = { data: offset };
  }
  // Number the nodes breadth-first; node 0 is the root.
  const order: TrieNode[] = [root];
  for (let i = 0; i < order.length; i++) {
    const n = order[i];
    n.index = i;
    for (const c of n.children) if (c && 'children' in c) order.push(c);
  }
  const nodeCount = order.length;
  const value = (c: Child): number =>
    c === undefined ? nodeCount : 'data' in c ? nodeCount + 16 + c.data : (c.index as number);
  for (const n of order) {
    for (const c of n.children) {
      if (value(c) >= 2 ** recordSize)
        throw new Error(`record value ${value(c)} does not fit ${recordSize} bits`);
    }
  }
  const nodeBytes = recordSize / 4;
  const tree = Buffer.alloc(nodeCount * nodeBytes);
  for (const n of order) {
    const o = (n.index as number) * nodeBytes;
    const [l, r] = n.children.map(value);
    if (recordSize === 24) {
      tree.writeUIntBE(l, o, 3);
      tree.writeUIntBE(r, o + 3, 3);
    } else if (recordSize === 28) {
      tree.writeUIntBE(l & 0xffffff, o, 3);
      tree[o + 3] = ((l >>> 24) << 4) | (r >>> 24);
      tree.writeUIntBE(r & 0xffffff, o + 4, 3);
    } else {
      tree.writeUInt32BE(l, o);
      tree.writeUInt32BE(r, o + 4);
    }
  }
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(opts.buildEpoch ?? 1_767_225_600),
    database_type: opts.databaseType ?? 'ALT-Test-Country',
    description: { en: 'ALT test database' },
    ip_version: ipVersion,
    languages: ['en'],
    node_count: nodeCount,
    record_size: recordSize,
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16 + pad),
    Buffer.from(data),
    Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    Buffer.from(metadata),
  ]);
}
