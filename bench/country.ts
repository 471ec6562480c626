/**
 * Cost of the collector's country lookup per hit (schema v2 `country`, target ≤ 1 µs), against
 * `maskIp` — the per-hit address work the collector already does — measured in the same run, and
 * against the plain mmdb-lib reader and an LRU in front of it (the alternatives it replaced).
 *
 * Figures are CPU nanoseconds per call (`process.cpuUsage`), medians of interleaved rounds: on this
 * shared 2-core machine wall time also counts the time spent waiting for a core; both are saved.
 *
 * `npx tsx bench/country.ts [--v4 100000] [--v6 30000] [--rounds 7] [--out FILE]` prints JSON and
 * writes it to FILE, or to `bench/results/country-<date>.json`.
 *
 * Addresses: random public IPv4 (about a quarter of them are in no announced network, as for junk
 * traffic) and IPv6 sampled from networks the database knows (clients come from announced space;
 * uniformly random IPv6 would almost all end in the empty top of the tree and flatter the walk).
 * "unique" has every address once (no cache can help); "returning" draws the same number of hits
 * from a tenth as many addresses, as visitors sending several hits each.
 */

import { readFileSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Reader } from 'mmdb-lib';
import { countryOfRecord, isNonPublicV4, openCountryLookup } from '../collector/enrich/country.ts';
import { maskIp } from '../collector/enrich/ip.ts';
import { parseIPv4 } from '../collector/enrich/ip-parse.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const { values } = parseArgs({
  options: {
    v4: { type: 'string', default: '100000' },
    v6: { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '7' },
    out: { type: 'string' },
  },
});
const V4 = Number(values.v4);
const V6 = Number(values.v6);
const ROUNDS = Number(values.rounds);

const mem0 = process.memoryUsage();
const t0 = performance.now();
const country = openCountryLookup();
const openMs = performance.now() - t0;
const mem1 = process.memoryUsage();

let seed = 20261206;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed;
};
const v4: string[] = [];
while (v4.length < V4) {
  const x = rnd();
  if (!isNonPublicV4(x)) v4.push(`${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`);
}
const v6: string[] = [];
const RIR_BLOCKS = [0x2400, 0x2600, 0x2800, 0x2a00, 0x2c00, 0x2001];
const hex = () => (rnd() & 0xffff).toString(16);
while (v6.length < V6) {
  const top = RIR_BLOCKS[rnd() % RIR_BLOCKS.length];
  const g0 = top === 0x2001 ? top : top | (rnd() & 0xf);
  const ip = `${g0.toString(16)}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}`;
  if (country.lookup(ip) !== null) v6.push(ip);
}
const shuffle = <T>(xs: T[]): T[] => {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rnd() % (i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
};
const unique = shuffle([...v4, ...v6]);
const returning = Array.from({ length: unique.length }, () => unique[rnd() % Math.ceil(unique.length / 10)]);

const reader = new Reader(readFileSync(country.database.path));
const viaReader = (ip: string) => countryOfRecord(reader.get(ip));
/**
 * A bounded cache keyed by the address string, the cheap LRU approximation (two generations:
 * when the current map is full it becomes the previous one, and a hit there is promoted).
 */
function lruInFront(capacity: number) {
  let current = new Map<string, string | null>();
  let previous = new Map<string, string | null>();
  return (ip: string): string | null => {
    let cc = current.get(ip);
    if (cc !== undefined) return cc;
    cc = previous.get(ip);
    if (cc === undefined) cc = viaReader(ip);
    if (current.size >= capacity) {
      previous = current;
      current = new Map();
    }
    current.set(ip, cc);
    return cc;
  };
}

/**
 * The other rejected design, IPv4 only: every network enumerated through the reader at startup
 * into sorted typed arrays (adjacent networks of one country merged), then a binary search.
 */
function sortedRangesV4() {
  const t = performance.now();
  const starts: number[] = [];
  const codes: (string | null)[] = [];
  for (let x = 0; x < 2 ** 32; ) {
    const [rec, len] = reader.getWithPrefixLength(
      `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`,
    );
    const cc = countryOfRecord(rec);
    if (codes.length === 0 || codes[codes.length - 1] !== cc) {
      starts.push(x);
      codes.push(cc);
    }
    x += 2 ** (32 - len);
  }
  const s = Uint32Array.from(starts);
  const buildMs = performance.now() - t;
  const lookup = (ip: string): string | null => {
    const x = parseIPv4(ip);
    if (x < 0 || isNonPublicV4(x)) return null;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    return codes[lo];
  };
  return { lookup, buildMs, ranges: s.length };
}
const sorted = sortedRangesV4();
for (const ip of v4.slice(0, 20_000)) {
  if (sorted.lookup(ip) !== country.lookup(ip)) throw new Error(`sorted ranges disagree on ${ip}`);
}

type Fn = (ip: string) => unknown;
let sink = 0;
/** Wall and CPU nanoseconds per call. CPU time is the cost that matters on a shared machine: it leaves out the time this process waited for a core. */
function nsPerCall(fn: Fn, ips: string[]): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ips.length; i++) if (fn(ips[i]) !== null) sink++;
  const wall = Number(process.hrtime.bigint() - start) / ips.length;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: ((cpu.user + cpu.system) * 1000) / ips.length };
}

const cases: { id: string; fn: () => Fn; ips: string[] }[] = [
  { id: 'maskIp', fn: () => maskIp, ips: unique },
  { id: 'country', fn: () => country.lookup, ips: unique },
  { id: 'country.ipv4', fn: () => country.lookup, ips: v4 },
  { id: 'country.ipv6', fn: () => country.lookup, ips: v6 },
  { id: 'country.returning', fn: () => country.lookup, ips: returning },
  { id: 'mmdb-lib', fn: () => viaReader, ips: unique },
  { id: 'sorted-ranges.ipv4', fn: () => sorted.lookup, ips: v4 },
  // A fresh LRU per round, so a round does not start warm from the one before.
  { id: 'mmdb-lib+lru', fn: () => lruInFront(10_000), ips: unique },
  { id: 'mmdb-lib+lru.returning', fn: () => lruInFront(10_000), ips: returning },
];
// Warm-up, then interleaved rounds so drift from the shared machine hits every case alike.
for (const c of cases) nsPerCall(c.fn(), c.ips.slice(0, 20_000));
const rounds: Record<string, { wall: number; cpu: number }[]> = Object.fromEntries(
  cases.map((c) => [c.id, []]),
);
for (let r = 0; r < ROUNDS; r++) for (const c of cases) rounds[c.id].push(nsPerCall(c.fn(), c.ips));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perLookupNs = Object.fromEntries(
  cases.map((c) => {
    const rs = rounds[c.id];
    return [
      c.id,
      {
        cpu: Math.round(median(rs.map((x) => x.cpu))),
        wall: Math.round(median(rs.map((x) => x.wall))),
        cpuRounds: rs.map((x) => Math.round(x.cpu)),
      },
    ];
  }),
);

const found = unique.filter((ip) => country.lookup(ip) !== null).length;
const mib = (b: number) => +(b / 2 ** 20).toFixed(1);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  database: {
    file: relative(ROOT, country.database.path),
    type: country.database.type,
    builtAt: country.database.builtAt.toISOString(),
    bytes: (await stat(country.database.path)).size,
  },
  open: {
    ms: +openMs.toFixed(1),
    rssMiB: mib(mem1.rss - mem0.rss),
    // `external` includes the Buffers (`arrayBuffers`): the database file is read into one.
    externalMiB: mib(mem1.external - mem0.external),
  },
  addresses: { ipv4: V4, ipv6: V6, unique: unique.length, returningDistinct: Math.ceil(unique.length / 10) },
  foundShare: +(found / unique.length).toFixed(3),
  sortedRangesV4: { buildMs: Math.round(sorted.buildMs), ranges: sorted.ranges },
  rounds: ROUNDS,
  perLookupNs,
  sink,
};

const json = JSON.stringify(result, null, 2);
console.log(json);
const out = values.out ?? join(HERE, 'results', `country-${result.date.slice(0, 10)}.json`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${json}\n`);
const cpu = (id: string) => perLookupNs[id].cpu;
console.error(
  `country lookup, CPU ns per call (medians): ${cpu('country')} (IPv4 ${cpu('country.ipv4')}, IPv6 ${cpu('country.ipv6')}); maskIp ${cpu('maskIp')}; mmdb-lib ${cpu('mmdb-lib')}; wrote ${relative(ROOT, out)}`,
);
