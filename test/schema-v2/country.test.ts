/**
 * `country` end to end (DESIGN §3): the collector looks it up from the full client address, before
 * masking, through the `CountryLookup` it is given; the row it writes to the stream carries it; the
 * transformer writes it to the lake's Parquet. A `/v1/batch` hit's `client_ip` is looked up too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountryLookup } from '../../collector/enrich/country-lookup.ts';
import { type Harness, openTestDb, startHarness } from '../../collector/testing/harness.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { EnvelopeKind, encodeRows } from '../../stream/envelope.ts';
import { planBatch } from '../../transformer/core/plan.ts';
import { openDuckdb } from '../../transformer/parquet/duckdb-sql.ts';
import { createWriter } from '../../transformer/parquet/index.ts';

/** A tiny database: two full addresses (their /24 and /48 neighbours are other countries). */
const seen: string[] = [];
const countries: CountryLookup = {
  lookup(ip) {
    seen.push(ip);
    return { '203.0.113.77': 'NZ', '198.51.100.9': 'BR', '2001:db8:1:2::5': 'JP' }[ip] ?? null;
  },
};

let h: Harness;
let db: Sql;
let dbDone: () => Promise<void>;
let appId: string;
let writeKey: string;
let dir: string;

beforeAll(async () => {
  ({ db, done: dbDone } = await openTestDb());
  h = await startHarness({ db, countries });
  ({
    app: { appId },
    writeKey,
  } = await h.createApp());
  dir = await mkdtemp(join(tmpdir(), 'alt-country-'));
});
afterAll(async () => {
  await h?.close();
  await dbDone?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';

describe('country', () => {
  it('is looked up from the full address and stored beside the masked one, through to Parquet', async () => {
    const beacon = (remoteAddress: string, path: string) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/hits',
        remoteAddress,
        payload: JSON.stringify({ app_id: appId, event_type: 'pageview', url: `https://a.example/${path}` }),
        headers: { 'content-type': 'text/plain', 'user-agent': UA },
      });
    expect((await beacon('203.0.113.77', 'nz')).statusCode).toBe(202);
    expect((await beacon('2001:db8:1:2::5', 'jp')).statusCode).toBe(202);
    expect((await beacon('203.0.113.78', 'unknown')).statusCode).toBe(202);
    const batch = await h.app.inject({
      method: 'POST',
      url: '/v1/batch',
      remoteAddress: '10.0.0.1',
      payload: {
        hits: [
          { app_id: appId, event_type: 'request', url: 'https://a.example/br', client_ip: '198.51.100.9' },
          // No client_ip: the backend's own address is no visitor's country.
          { app_id: appId, event_type: 'request', url: 'https://a.example/backend' },
        ],
      },
      headers: { authorization: `Bearer ${writeKey}`, 'user-agent': UA },
    });
    expect(batch.statusCode).toBe(202);

    // The lookup saw full addresses; the stream rows carry the country and only masked addresses.
    expect(seen).toEqual(['203.0.113.77', '2001:db8:1:2::5', '203.0.113.78', '198.51.100.9']);
    const rows = h.sink.rows(EnvelopeKind.LAKE_ROWS);
    const byPath = Object.fromEntries(rows.map((r) => [new URL(r.url ?? '').pathname, r]));
    expect(byPath['/nz']).toMatchObject({ country: 'NZ', client_ip: '203.0.113.0', schema_version: 2 });
    expect(byPath['/jp']).toMatchObject({ country: 'JP', client_ip: '2001:db8:1::' });
    expect(byPath['/unknown']).toMatchObject({ country: null, client_ip: '203.0.113.0' });
    expect(byPath['/br']).toMatchObject({ country: 'BR', client_ip: '198.51.100.0' });
    expect(byPath['/backend']).toMatchObject({ country: null });
    for (const r of rows) expect(JSON.stringify(r)).not.toMatch(/203\.0\.113\.7[78]|198\.51\.100\.9|::5/);

    // The transformer takes the stream's lines as they are and writes the column to the lake.
    const plan = planBatch({
      shardId: 'shard-0',
      records: [
        {
          shardId: 'shard-0',
          sequenceNumber: '1',
          arrivedAt: new Date(),
          data: encodeRows(EnvelopeKind.LAKE_ROWS, rows),
        },
      ],
    });
    expect(plan.counts).toMatchObject({ lakeRows: 5, bad: 0 });
    const writer = await createWriter('duckdb');
    const file = join(dir, 'hits.parquet');
    await writer.write(plan.partitions[0], file);
    await writer.close();
    const duck = await openDuckdb();
    try {
      const got = (
        await duck.conn.runAndReadAll(
          `SELECT url, country, client_ip FROM read_parquet(${quoteLiteral(file)}) ORDER BY url`,
        )
      ).getRowObjectsJS();
      expect(got).toEqual([
        { url: 'https://a.example/backend', country: null, client_ip: '10.0.0.0' },
        { url: 'https://a.example/br', country: 'BR', client_ip: '198.51.100.0' },
        { url: 'https://a.example/jp', country: 'JP', client_ip: '2001:db8:1::' },
        { url: 'https://a.example/nz', country: 'NZ', client_ip: '203.0.113.0' },
        { url: 'https://a.example/unknown', country: null, client_ip: '203.0.113.0' },
      ]);
    } finally {
      duck.close();
    }
  });
});
