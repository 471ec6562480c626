import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSFORMER_DERIVED_COLUMNS } from '../../schemas/columns.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { createEnricher } from '../enrich/index.ts';
import { openDuckdb } from '../parquet/duckdb-sql.ts';
import { createWriter, parseRows, type WriterName } from '../parquet/index.ts';
import { makeBatch, makeRow } from '../testing/fixtures.ts';
import {
  createEnrichingDeriver,
  type DerivedFields,
  type DeriveFragment,
  type DeriveInput,
  deriveFragment,
  deriveNothing,
  fragmentOf,
  fragmentText,
} from './derive.ts';
import { createParallelPlanner } from './parallel-planner.ts';
import { planBatch } from './plan.ts';

/** A stand-in for the enrichment modules: reads the three stored columns, derives a few fields. */
const seen: DeriveInput[] = [];
const derive: DeriveFragment = (hit) => {
  seen.push({ url: hit.url, referrer: hit.referrer, user_agent: hit.user_agent, is_bot: hit.is_bot });
  const url = hit.url ? new URL(hit.url) : null;
  return fragmentOf({
    browser: hit.user_agent.includes('Firefox') ? 'Firefox' : null,
    url_host: url?.hostname ?? null,
    url_path: url?.pathname ?? null,
    utm_source: url?.searchParams.get('utm_source') ?? null,
    referrer_host: hit.referrer ? new URL(hit.referrer).hostname : null,
  });
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-derive-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('fragmentOf', () => {
  it('writes only the derived columns, JSON-escaped, leaving nulls out', () => {
    expect(fragmentOf({})).toBe('');
    expect(fragmentOf({ browser: 'Chrome', os: null, utm_term: 'a "b"\\c\n' })).toBe(
      ',"browser":"Chrome","utm_term":"a \\"b\\"\\\\c\\n"',
    );
    // Cut at 256 code units mid-pair: the lone half would fail DuckDB's read of the whole file.
    expect(fragmentOf({ utm_content: 'x\uD83D' })).toBe(',"utm_content":"x\uFFFD"');
    expect(() => fragmentOf({ country: 'US' } as never)).toThrow(/not a column the transformer derives/);
    expect(() => fragmentOf({ browser: 7 } as never)).toThrow(/must be a string/);
  });

  it('is what the module plugs in: the enrichment, as one fragment of the derived columns', () => {
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    const hit = {
      url: 'https://Shop.Example/cart?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
      referrer: 'https://mail.google.com/',
      user_agent: iphone,
      is_bot: false,
    };
    expect(JSON.parse(`{"x":0${deriveFragment(hit)}}`)).toEqual({
      x: 0,
      browser: 'Safari',
      browser_version: '17',
      os: 'iOS',
      os_version: '17',
      device_type: 'mobile',
      url_host: 'shop.example',
      url_path: '/cart',
      referrer_host: 'mail.google.com',
      channel: 'email',
      utm_source: 'newsletter',
      utm_medium: 'email',
      utm_campaign: 'spring',
    });
    // The collector's bot verdict outranks the User-Agent (memoised apart from the same UA as a person).
    expect(JSON.parse(`{${deriveFragment({ ...hit, is_bot: true }).slice(1)}}`).device_type).toBe('other');
    expect(JSON.parse(`{${deriveFragment(hit).slice(1)}}`).device_type).toBe('mobile');
  });

  it('derives exactly the columns the schema says the transformer derives', () => {
    const full = fragmentText(createEnrichingDeriver(), {
      url: 'https://a.example/p?utm_source=s&utm_medium=cpc&utm_campaign=c&utm_term=t&utm_content=x',
      referrer: 'https://www.google.com/',
      user_agent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      is_bot: false,
    });
    expect(Object.keys(JSON.parse(`{${full.slice(1)}}`)).sort()).toEqual(
      [...TRANSFORMER_DERIVED_COLUMNS].sort(),
    );
  });
});

/** ES2024's `String.prototype.toWellFormed`, beyond the project's ES2023 lib. */
const wellFormed = (s: string) => (s as unknown as { toWellFormed(): string }).toWellFormed();

describe('fragments row after row', () => {
  /** The fragment by its definition: each column present, in column order, as JSON.stringify writes it. */
  const reference = (fields: DerivedFields) =>
    TRANSFORMER_DERIVED_COLUMNS.filter((c) => fields[c] !== null && fields[c] !== undefined)
      .map((c) => `,${JSON.stringify(c)}:${JSON.stringify(wellFormed(fields[c] as string))}`)
      .join('');

  it('are each what the columns alone make, whatever the rows before held', () => {
    // Few values, so that rows repeat the row before's (the members it keeps), and some that
    // need escaping or repair.
    const value = fc.constantFrom(null, undefined, 'Chrome', 'a"b', 'x\uD83D', 'tab\there', '', 'é', '/p');
    const fields = fc.record(
      Object.fromEntries(TRANSFORMER_DERIVED_COLUMNS.map((c) => [c, value])) as Record<
        string,
        fc.Arbitrary<string | null | undefined>
      >,
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(fields, { minLength: 1, maxLength: 8 }), (rows) => {
        for (const f of rows) expect(fragmentOf(f as DerivedFields)).toBe(reference(f as DerivedFields));
      }),
      { numRuns: 500 },
    );
  });

  it('from the enrichment are the fields it derives, hit after hit', () => {
    // The deriver planning runs keeps the last UA, origin, referrer and members; the enricher
    // derives every hit from nothing.
    const derive = createEnrichingDeriver();
    const enrich = createEnricher();
    const hit = fc.record({
      url: fc.oneof(
        fc.constantFrom(null, 'https://shop.example/p?utm_source=news&utm_medium=email', 'not a url'),
        fc
          .constantFrom('https://shop.example', 'https://shop.example:8443', 'https://www.shop.example')
          .chain((o) => fc.stringMatching(/^[/?#][-a-z0-9/=&%.]{0,10}$/).map((t) => `${o}${t}`)),
      ),
      referrer: fc.constantFrom(
        null,
        '',
        'https://www.google.com/',
        'https://shop.example/x',
        'https://t.co/',
      ),
      user_agent: fc.constantFrom(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        '',
      ),
      is_bot: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(hit, { minLength: 1, maxLength: 10 }), (hits) => {
        for (const h of hits) expect(fragmentText(derive, h)).toBe(fragmentOf(enrich(h)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('the derive hook in planning', () => {
  const rows = [
    makeRow({ url: 'https://Shop.Example/cart?utm_source=news', user_agent: 'Mozilla/5.0 Firefox/120.0' }),
    makeRow({ url: null, referrer: 'https://search.example/q', event_type: 'event' }),
    // A version-1 line: no schema-2 key at all, schema_version 1.
    { ...makeRow({ schema_version: 1, url: 'https://a.example/é' }), country: undefined },
  ];
  const pretty = makeRow({ url: 'https://a.example/bare' });

  it('appends the fragment to each kept line, which parses to the line plus the derived columns', () => {
    seen.length = 0;
    const plan = planBatch(
      makeBatch([
        rows,
        new Uint8Array(Buffer.from(JSON.stringify(pretty, null, 2))),
        { dropped: [makeRow()] },
      ]),
      { deriveFragment: derive },
    );
    // Lake rows only: dropped bots are counted, never written.
    expect(seen.map((s) => s.url)).toEqual([rows[0].url, null, rows[2].url, pretty.url]);
    const got = parseRows(plan.partitions[0]);
    expect(got).toEqual([
      { ...rows[0], browser: 'Firefox', url_host: 'shop.example', url_path: '/cart', utm_source: 'news' },
      { ...rows[1], referrer_host: 'search.example' },
      { ...JSON.parse(JSON.stringify(rows[2])), url_host: 'a.example', url_path: '/%C3%A9' },
      { ...pretty, url_host: 'a.example', url_path: '/bare' },
    ]);
  });

  it('inserts a fragment of any size', () => {
    const big = 'é'.repeat(20_000);
    const plan = planBatch(makeBatch([rows.slice(0, 2)]), {
      deriveFragment: (hit) => fragmentOf({ utm_content: hit.url?.includes('cart') ? big : 'small' }),
    });
    expect(parseRows(plan.partitions[0]).map((r) => r.utm_content)).toEqual([big, 'small']);
  });

  it('leaves the lines as the bytes they were when nothing is derived', () => {
    const batch = makeBatch([rows]);
    const plain = planBatch(batch, { deriveFragment: deriveNothing });
    expect(plain.partitions[0].ndjson).toHaveLength(1);
    expect(Buffer.concat(plain.partitions[0].ndjson).toString()).toBe(
      rows.map((r) => `${JSON.stringify(r)}\n`).join(''),
    );
  });

  it('sends a line that already carries a derived column to bad/, as every planning thread does', async () => {
    for (const col of TRANSFORMER_DERIVED_COLUMNS) {
      const plan = planBatch(makeBatch([[makeRow({ [col]: 'forged' })]]), { deriveFragment: derive });
      expect(plan.counts, col).toMatchObject({ lakeRows: 0, bad: 1 });
      expect(plan.bad[0].reason).toBe(`schema: / must NOT have additional properties (${col})`);
    }
    const planner = createParallelPlanner();
    try {
      const records = Array.from({ length: 10 }, (_, i) => [makeRow({ ...(i === 9 && { os: 'forged' }) })]);
      const plan = await planner.plan(makeBatch(records));
      expect(plan.counts).toMatchObject({ lakeRows: 9, bad: 1 });
      expect(planner.stats().split).toBe(1);
      // Another hook than the module's is this thread's alone: the batch is not split.
      const derived = await planner.plan(makeBatch(records.slice(0, 9)), { deriveFragment: derive });
      expect(parseRows(derived.partitions[0]).every((r) => r.url_host === 'example.com')).toBe(true);
      expect(planner.stats()).toEqual({ split: 1, whole: 1 });
    } finally {
      await planner.close();
    }
  });

  it.each<WriterName>(['duckdb', 'duckdb-appender', 'parquetjs'])(
    'the %s writer stores the derived columns, NULL where nothing was derived, version 2',
    async (name) => {
      const plan = planBatch(makeBatch([rows]), { deriveFragment: derive });
      const writer = await createWriter(name);
      const file = join(dir, `${name}.parquet`);
      await writer.write(plan.partitions[0], file);
      await writer.close();
      const db = await openDuckdb();
      try {
        const got = (
          await db.conn.runAndReadAll(
            `SELECT url_host, url_path, browser, utm_source, referrer_host, channel, country, schema_version
             FROM read_parquet(${quoteLiteral(file)}) ORDER BY url_host NULLS LAST`,
          )
        ).getRowObjectsJS();
        expect(got).toEqual([
          {
            url_host: 'a.example',
            url_path: '/%C3%A9',
            browser: null,
            utm_source: null,
            referrer_host: null,
            channel: null,
            country: null,
            schema_version: 2,
          },
          {
            url_host: 'shop.example',
            url_path: '/cart',
            browser: 'Firefox',
            utm_source: 'news',
            referrer_host: null,
            channel: null,
            country: rows[0].country,
            schema_version: 2,
          },
          {
            url_host: null,
            url_path: null,
            browser: null,
            utm_source: null,
            referrer_host: 'search.example',
            channel: null,
            country: rows[1].country,
            schema_version: 2,
          },
        ]);
      } finally {
        db.close();
      }
    },
  );
});
