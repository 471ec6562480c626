import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'mmdb-lib';
import { describe, expect, it } from 'vitest';
import { buildMmdb, type MmdbNetwork } from '../testing/mmdb.ts';
import { countryOfRecord, openCountryLookup, SHIPPED_COUNTRY_DB } from './country.ts';

const shipped = openCountryLookup();
const dir = mkdtempSync(join(tmpdir(), 'alt-country-'));
let files = 0;
/** Writes a test MMDB and opens it the way an operator's `ALT_COUNTRY_DB` file would be. */
function userDb(networks: MmdbNetwork[], opts: Parameters<typeof buildMmdb>[1] = {}) {
  const path = join(dir, `user-${files++}.mmdb`);
  writeFileSync(path, buildMmdb(networks, opts));
  return openCountryLookup({ databasePath: path });
}

// Non-public addresses: documentation (RFC 5737, RFC 3849), private, loopback, link-local, CGNAT,
// multicast, unspecified.
const NON_PUBLIC = [
  '192.0.2.1',
  '198.51.100.23',
  '203.0.113.77',
  '2001:db8::1',
  '2001:db8:abcd:12::5',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.254',
  '192.168.1.10',
  '127.0.0.1',
  '::1',
  '::',
  '0.0.0.0',
  '169.254.10.10',
  'fe80::1',
  'fe80::1%eth0',
  'fd12:3456:789a::1',
  '100.64.0.1',
  '224.0.0.251',
  'ff02::1',
  '255.255.255.255',
];

describe('country lookup, shipped database (iptoasn, PDDL)', () => {
  // Expected values read from the shipped file with mmdb-lib (its data, not general knowledge).
  it.each([
    ['8.8.8.8', 'US'],
    ['193.0.6.139', 'NL'],
    ['133.242.0.1', 'JP'],
    ['200.160.2.3', 'BR'],
    ['41.0.0.1', 'ZA'],
    ['2001:4860:4860::8888', 'US'],
    ['2a01:4f8::1', 'DE'],
    ['240e::1', 'CN'],
  ])('%s → %s', (ip, cc) => {
    expect(shipped.lookup(ip)).toBe(cc);
  });

  it('answers like mmdb-lib itself for random IPv4 and IPv6 addresses', () => {
    const reader = new Reader(readFileSync(SHIPPED_COUNTRY_DB));
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    let found = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = rnd();
      const v4 = `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
      const h = () => (rnd() & 0xffff).toString(16);
      const v6 = `${(0x2000 | (rnd() & 0x1fff)).toString(16)}:${h()}:${h()}:${h()}::${h()}`;
      for (const ip of [v4, v6]) {
        const got = shipped.lookup(ip);
        expect(got, ip).toBe(countryOfRecord(reader.get(ip)));
        if (got) found++;
      }
    }
    expect(found).toBeGreaterThan(10_000);
  });

  it('maps documentation, private, loopback, link-local and multicast addresses to null', () => {
    for (const ip of NON_PUBLIC) expect(shipped.lookup(ip), ip).toBeNull();
  });

  it('looks up IPv4-mapped IPv6 (what a dual-stack socket reports) as the IPv4 address', () => {
    expect(shipped.lookup('::ffff:8.8.8.8')).toBe('US');
    expect(shipped.lookup('::ffff:808:808')).toBe('US');
    expect(shipped.lookup('::FFFF:193.0.6.139')).toBe('NL');
    expect(shipped.lookup('::ffff:192.0.2.1')).toBeNull();
    expect(shipped.lookup('::ffff:10.0.0.1')).toBeNull();
  });

  it('answers null, never throws, for anything that is not an address', () => {
    for (const junk of [
      '',
      'junk',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '01.2.3.4',
      ' 8.8.8.8',
      '8.8.8.8 ',
      '::ffff:1.2.3',
      '1::2::3',
      'gggg::1',
      '2001:4860:4860:0:0:0:0:8888:1',
      '8.8.8.8/24',
      '[2001:4860:4860::8888]',
      'x'.repeat(10_000),
    ]) {
      expect(shipped.lookup(junk), junk).toBeNull();
    }
    expect(shipped.lookup(undefined as unknown as string)).toBeNull();
    expect(shipped.lookup(134744072 as unknown as string)).toBeNull();
  });

  it('says which database answers and when it was built', () => {
    expect(shipped.database.shipped).toBe(true);
    expect(shipped.database.path).toBe(SHIPPED_COUNTRY_DB);
    const year = shipped.database.builtAt.getUTCFullYear();
    expect(year).toBeGreaterThanOrEqual(2025);
    expect(year).toBeLessThan(2100);
  });
});

describe('country lookup, user-supplied database', () => {
  const geolite2Layout: MmdbNetwork[] = [
    { cidr: '81.2.69.0/24', record: { country: { iso_code: 'GB', names: { en: 'United Kingdom' } } } },
    { cidr: '2001:200::/32', record: { country: { iso_code: 'JP' }, continent: { code: 'AS' } } },
    { cidr: '89.160.20.0/24', record: { country: { iso_code: 'se' } } },
    { cidr: '1.2.3.0/24', record: { country: { iso_code: 'ZZ' } } },
    { cidr: '1.2.4.0/24', record: { registered_country: { iso_code: 'AU' } } },
    // A database that places documentation space in a country: the contract still says null.
    { cidr: '192.0.0.0/8', record: { country: { iso_code: 'US' } } },
  ];

  it.each([24, 28, 32] as const)(
    'reads the GeoLite2 / DB-IP layout (country.iso_code), %i-bit records',
    (recordSize) => {
      const db = userDb(geolite2Layout, { recordSize });
      expect(db.lookup('81.2.69.160')).toBe('GB');
      expect(db.lookup('::ffff:81.2.69.160')).toBe('GB');
      expect(db.lookup('2001:200::1')).toBe('JP');
      expect(db.lookup('89.160.20.112')).toBe('SE');
      expect(db.lookup('1.2.3.4')).toBeNull();
      expect(db.lookup('1.2.4.4')).toBeNull();
      expect(db.lookup('192.1.2.3')).toBe('US');
      expect(db.lookup('192.0.2.1')).toBeNull();
      expect(db.lookup('8.8.8.8')).toBeNull();
      expect(db.database.shipped).toBe(false);
    },
  );

  it.each([28, 32] as const)('follows record values past 24 bits (%i-bit records)', (recordSize) => {
    // Pad the data section so the first record's value is exactly 2^24: read as 24 bits it would
    // be node 0, and the walk would start over instead of reaching the data.
    const { nodeCount } = new Reader(buildMmdb(geolite2Layout, { recordSize })).metadata;
    const db = userDb(geolite2Layout, { recordSize, padData: 2 ** 24 - 16 - nodeCount });
    for (const ip of ['81.2.69.160', '81.2.69.161']) expect(db.lookup(ip)).toBe('GB');
    for (const ip of ['2001:200::1', '2001:200::2']) expect(db.lookup(ip)).toBe('JP');
    expect(db.lookup('89.160.20.112')).toBe('SE');
    expect(db.lookup('8.8.8.8')).toBeNull();
  });

  it('reads the ip-location-db layout (country_code) and an IPv4-only tree', () => {
    const db = userDb(
      [
        { cidr: '81.2.69.0/24', record: { country_code: 'GB' } },
        { cidr: '5.0.0.0/8', record: { country_code: 'DE' } },
      ],
      { ipVersion: 4, databaseType: 'country ipv4' },
    );
    expect(db.lookup('81.2.69.1')).toBe('GB');
    expect(db.lookup('5.6.7.8')).toBe('DE');
    expect(db.lookup('::ffff:5.6.7.8')).toBe('DE');
    expect(db.lookup('2001:200::1')).toBeNull();
    expect(db.database.type).toBe('country ipv4');
  });

  it('refuses a path that does not exist, naming it', () => {
    const missing = join(dir, 'GeoLite2-Country.mmdb');
    expect(() => openCountryLookup({ databasePath: missing })).toThrow(
      `country database ${missing}: cannot read it (no such file)`,
    );
  });

  it('refuses a file that is not an MMDB database, naming it', () => {
    const notDb = join(dir, 'countries.csv');
    writeFileSync(notDb, '1.0.0.0,1.0.0.255,AU\n');
    expect(() => openCountryLookup({ databasePath: notDb })).toThrow(
      new RegExp(`country database ${notDb.replaceAll('/', '\\/')}: not a MaxMind DB`),
    );
  });
});
