import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../schemas/lake.ts';
import { LATENCY_BUCKETS_MS, ROLLUP_DIMENSIONS } from '../../schemas/rollups.ts';
import { parseRows } from '../parquet/writer.ts';
import { makeBatch, makeRow } from '../testing/fixtures.ts';
import { MAX_LINE_BYTES } from './classify.ts';
import { deriveNothing } from './derive.ts';
import { planBatch } from './plan.ts';
import { bucketOf, computeDeltas, hourOf } from './rollup.ts';

describe('planBatch', () => {
  it('splits a mixed-hour, out-of-order batch by the UTC hour of each timestamp', () => {
    const late = makeRow({ timestamp: '2026-11-24T03:59:59.999999Z' }); // a day late
    const now = makeRow({ timestamp: '2026-11-25T03:00:00Z' });
    const early = makeRow({ timestamp: '2026-11-25T02:59:59.999Z' });
    const nextDay = makeRow({ timestamp: '2026-12-31T23:30:00+00:00'.replace('+00:00', 'Z') });
    const plan = planBatch(
      makeBatch([
        [now, late],
        [early, nextDay],
      ]),
    );
    expect(plan.partitions.map((p) => [p.partition, parseRows(p).map((r) => r.log_id)])).toEqual([
      ['year=2026/month=11/day=24/hour=03', [late.log_id]],
      ['year=2026/month=11/day=25/hour=02', [early.log_id]],
      ['year=2026/month=11/day=25/hour=03', [now.log_id]],
      ['year=2026/month=12/day=31/hour=23', [nextDay.log_id]],
    ]);
    for (const g of plan.partitions)
      for (const r of parseRows(g)) expect(partitionOf(r.timestamp)).toBe(g.partition);
    expect(plan.counts).toMatchObject({ records: 2, lakeRows: 4, bad: 0 });
  });

  it('sends poisoned records and lines to bad with a reason; the rest of the batch survives', () => {
    const good = [makeRow(), makeRow()];
    const corrupt = new Uint8Array([0x01, 0x1f, 0x8b, 0x08, 0x00, 0x42]);
    const unknown = new Uint8Array([0x09, 1, 2]);
    const withBadLines = new Uint8Array([
      0x01,
      ...gzipSync(
        [
          '{not json',
          JSON.stringify({ ...makeRow(), status_code: 'x' }),
          JSON.stringify({ ...makeRow(), extra: 1 }),
          JSON.stringify(makeRow({ timestamp: '2026-13-45T99:00:00Z' })),
          JSON.stringify(good[1]).replace('"pageview"', '"pageviewz"'),
          JSON.stringify(makeRow({ log_id: 'ok-line' })),
        ].join('\n'),
      ),
    ]);
    const plan = planBatch(makeBatch([good, corrupt, withBadLines, unknown]));
    expect(plan.partitions.flatMap((p) => parseRows(p).map((r) => r.log_id)).sort()).toEqual(
      [...good.map((r) => r.log_id), 'ok-line'].sort(),
    );
    expect(
      plan.bad.map((b) => [b.sequence_number.slice(-1), b.line_no ?? null, b.reason.split(':')[0]]),
    ).toEqual([
      ['2', null, 'corrupt gzip body'],
      ['3', 0, 'invalid JSON'],
      ['3', 1, 'schema'],
      ['3', 2, 'schema'],
      ['3', 3, 'schema'],
      ['3', 4, 'schema'],
      ['4', null, 'unknown envelope version 0x09'],
    ]);
    expect(plan.bad[3].reason).toContain('extra');
    expect(plan.bad[0].data_base64).toBe(Buffer.from(corrupt).toString('base64'));
    expect(plan.bad[1].line).toBe('{not json');
  });

  it('refuses a line that is not UTF-8 or longer than MAX_LINE_BYTES, keeping its bytes; its neighbours pass', () => {
    const ok = makeRow();
    const notUtf8 = Buffer.from(JSON.stringify(makeRow({ url: 'https://x.example/ZZ' })));
    notUtf8.set([0xff, 0xfe], notUtf8.indexOf('ZZ'));
    const long = Buffer.from(JSON.stringify(makeRow({ metadata: `"${'x'.repeat(MAX_LINE_BYTES)}"` })));
    const body = Buffer.concat([notUtf8, Buffer.from('\n'), long, Buffer.from(`\n${JSON.stringify(ok)}\n`)]);
    const plan = planBatch(makeBatch([new Uint8Array([0x01, ...gzipSync(body)])]));
    expect(plan.partitions.flatMap((p) => parseRows(p).map((r) => r.log_id))).toEqual([ok.log_id]);
    expect(plan.bad.map((b) => [b.line_no, b.reason.replace(/\d+ bytes/, 'N bytes')])).toEqual([
      [0, 'invalid UTF-8'],
      [1, `line of N bytes is longer than ${MAX_LINE_BYTES}`],
    ]);
    expect(Buffer.from(plan.bad[0].data_base64 ?? '', 'base64').equals(notUtf8)).toBe(true);
  });

  it('drops duplicate log_ids within a batch (first wins) and counts dropped bots apart', () => {
    const a = makeRow();
    const dup = { ...a, url: 'https://example.com/retry' };
    const bot = makeRow({ is_bot: true });
    const plan = planBatch(makeBatch([[a, dup], { dropped: [bot, bot] }, [a]]));
    expect(plan.counts).toMatchObject({ lakeRows: 1, droppedBots: 1, duplicates: 3 });
    expect(parseRows(plan.partitions[0])[0].url).toBe(a.url);
    const d = plan.deltas.find((x) => x.dims.module_id === bot.module_id && x.dropped_bots > 0);
    expect(d?.dropped_bots).toBe(1);
    expect(plan.deltas.reduce((n, x) => n + x.hits, 0)).toBe(1);
  });

  it('dedupes within a batch only: a log_id kept by one batch is kept again by the next', () => {
    // planBatch hands its log_id sets to the next batch; they must come back empty.
    const ids = Array.from({ length: 3_000 }, () => makeRow());
    const bots = [makeRow({ is_bot: true }), makeRow({ is_bot: true, log_id: 'not-a-uuid' })];
    const first = planBatch(makeBatch([ids, { dropped: bots }]));
    expect(first.counts).toMatchObject({ lakeRows: 3_000, droppedBots: 2, duplicates: 0 });
    const again = planBatch(
      makeBatch([[ids[0], ids[2_999], makeRow({ log_id: 'other' })], { dropped: bots }]),
    );
    expect(again.counts).toMatchObject({ lakeRows: 3, droppedBots: 2, duplicates: 0 });
    const third = planBatch(makeBatch([[makeRow({ log_id: 'other' }), ids[1], ids[1]]]));
    expect(third.counts).toMatchObject({ lakeRows: 2, duplicates: 1 });
  });

  it("keeps a record's lines intact when they go to the plan as its own bytes, record after record", () => {
    // Records are inflated into one reused buffer: one the plan points into must not be reused.
    const ts = '2026-11-25T03:10:00Z';
    const records = Array.from({ length: 4 }, () =>
      Array.from({ length: 3 }, () => makeRow({ timestamp: ts })),
    );
    // Derived members for rows of the second record only: the others stay views of their record.
    for (const [r, row] of records[1].entries()) row.url = `https://x.example/second/${r}`;
    const plan = planBatch(makeBatch(records), {
      deriveFragment: (hit) => (hit.url?.includes('/second/') ? ',"url_host":"x.example"' : ''),
    });
    const lines = Buffer.concat(plan.partitions[0].ndjson).toString().trimEnd().split('\n');
    expect(lines).toEqual(
      records.flatMap((rows, i) =>
        rows.map((r) =>
          i === 1 ? `${JSON.stringify(r).slice(0, -1)},"url_host":"x.example"}` : JSON.stringify(r),
        ),
      ),
    );
    // And the next batch's records do not write over this plan's bytes either.
    planBatch(makeBatch(records.map((rows) => rows.map((r) => ({ ...r, log_id: `${r.log_id}x` })))));
    expect(Buffer.concat(plan.partitions[0].ndjson).toString().trimEnd().split('\n')).toEqual(lines);
  });

  it('accepts a bare JSON record, pretty-printed, and hands the writer a single NDJSON line', () => {
    const row = makeRow();
    // Nothing derived, so the line's bytes are what the test can spell (derive.test.ts has the rest).
    const plan = planBatch(makeBatch([new Uint8Array(Buffer.from(JSON.stringify(row, null, 2)))]), {
      deriveFragment: deriveNothing,
    });
    expect(Buffer.concat(plan.partitions[0].ndjson).toString()).toBe(`${JSON.stringify(row)}\n`);
  });

  it('hands the writer whole newline-terminated lines: clean records as one chunk, bad lines cut out', () => {
    const ts = '2026-11-25T03:10:00Z';
    const [a, b, c, d] = Array.from({ length: 4 }, () => makeRow({ timestamp: ts }));
    const other = makeRow({ timestamp: '2026-11-25T04:10:00Z' });
    // No trailing newline on the last line, a blank line, a bad line and another hour in the middle.
    const body = [a, b, '{bad', c, other, '', d].map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    const plan = planBatch(makeBatch([[a, b], new Uint8Array([0x01, ...gzipSync(body.join('\n'))])]), {
      deriveFragment: deriveNothing,
    });
    expect(plan.counts).toMatchObject({ lakeRows: 5, duplicates: 2, bad: 1 });
    const [h3, h4] = plan.partitions;
    expect(h3.count).toBe(4);
    expect(Buffer.concat(h3.ndjson).toString()).toBe(
      [a, b, c, d].map((r) => `${JSON.stringify(r)}\n`).join(''),
    );
    expect(h3.ndjson[0].length).toBe(Buffer.byteLength(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`));
    expect(Buffer.concat(h4.ndjson).toString()).toBe(`${JSON.stringify(other)}\n`);
  });

  it('computes rollup deltas keyed by app, hour and dimensions, NULL distinct from empty', () => {
    const ts = '2026-11-25T03:10:00Z';
    const plan = planBatch(
      makeBatch([
        [
          makeRow({ timestamp: ts, client_sub_id: null, module_id: null, response_time_ms: 5 }),
          makeRow({ timestamp: ts, client_sub_id: '', module_id: null, response_time_ms: 6 }),
          makeRow({
            timestamp: ts,
            client_sub_id: null,
            module_id: null,
            response_time_ms: null,
            is_bot: true,
          }),
        ],
      ]),
    );
    expect(plan.deltas).toHaveLength(2);
    const nullKey = plan.deltas.find((d) => d.dims.client_sub_id === null)!;
    expect(nullKey).toMatchObject({
      hour: '2026-11-25T03:00:00.000Z',
      hits: 2,
      bot_hits: 1,
      rt_count: 1,
      rt_sum: 5,
    });
    expect(nullKey.rt_hist[0]).toBe(1);
  });
});

describe('rollup keys', () => {
  it('keeps dimensions apart even when values hold the key separators or NUL', () => {
    const ts = '2026-11-25T03:10:00Z';
    const rows = [
      makeRow({ timestamp: ts, client_sub_id: 'a\u0001b', module_id: 'c' }),
      makeRow({ timestamp: ts, client_sub_id: 'a', module_id: 'b\u0001c' }),
      makeRow({ timestamp: ts, client_sub_id: '\u0000', module_id: 'c' }),
      makeRow({ timestamp: ts, client_sub_id: null, module_id: 'c' }),
      makeRow({ timestamp: ts, client_sub_id: null, module_id: 'c' }),
    ];
    const deltas = computeDeltas(rows);
    expect(deltas.map((d) => [d.dims.client_sub_id, d.dims.module_id, d.hits])).toEqual([
      ['a\u0001b', 'c', 1],
      ['a', 'b\u0001c', 1],
      ['\u0000', 'c', 1],
      [null, 'c', 2],
    ]);
  });
});

describe('rollup keys, against a reference', () => {
  it('equal a plain group-by of (app, hour, dimensions), also past 256 values of one dimension', () => {
    const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
    // Few values in most dimensions, so keys repeat; up to 300 in one, so its ids pass 256.
    const row = fc
      .record({
        app: fc.integer({ min: 0, max: 1 }),
        hour: fc.integer({ min: 0, max: 1 }),
        client_sub_id: fc.oneof(
          { arbitrary: fc.constantFrom(null, ''), weight: 1 },
          { arbitrary: fc.integer({ min: 0, max: 299 }).map(String), weight: 12 },
        ),
        module_id: fc.oneof(pick([null, '', 'hero']), fc.string({ maxLength: 1 })),
        event_type: pick(['pageview', 'event'] as const),
        status_code: pick([null, 0, 200]),
        status: pick([null, 'FAILED'] as const),
        is_bot: fc.boolean(),
        response_time_ms: pick([null, 0, 5, 100_000]),
      })
      .map(({ app, hour, ...r }) =>
        makeRow({ ...r, app_id: `alt_${app}`, timestamp: `2026-11-25T0${hour}:10:00Z` }),
      );
    fc.assert(
      fc.property(fc.array(row, { minLength: 3000, maxLength: 4000 }), (rows) => {
        const want = new Map<string, { hits: number; bot_hits: number; rt_sum: number }>();
        for (const r of rows) {
          const k = JSON.stringify([r.app_id, hourOf(r.timestamp), ...ROLLUP_DIMENSIONS.map((d) => r[d])]);
          const w = want.get(k) ?? { hits: 0, bot_hits: 0, rt_sum: 0 };
          w.hits++;
          if (r.is_bot) w.bot_hits++;
          w.rt_sum += r.response_time_ms ?? 0;
          want.set(k, w);
        }
        const deltas = computeDeltas(rows);
        const got = new Map(
          deltas.map((d) => [
            JSON.stringify([d.app_id, d.hour, ...ROLLUP_DIMENSIONS.map((k) => d.dims[k])]),
            { hits: d.hits, bot_hits: d.bot_hits, rt_sum: d.rt_sum },
          ]),
        );
        expect(got.size).toBe(deltas.length); // one delta per key
        expect(got).toEqual(want);
      }),
      { numRuns: 20 },
    );
  });
});

describe('rollup helpers', () => {
  it('buckets latencies by inclusive upper bounds, the last cell open-ended', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(LATENCY_BUCKETS_MS[0])).toBe(0);
    expect(bucketOf(LATENCY_BUCKETS_MS[0] + 1)).toBe(1);
    expect(bucketOf(LATENCY_BUCKETS_MS.at(-1)!)).toBe(LATENCY_BUCKETS_MS.length - 1);
    expect(bucketOf(LATENCY_BUCKETS_MS.at(-1)! + 1)).toBe(LATENCY_BUCKETS_MS.length);
  });
  it('truncates to the UTC hour', () => {
    expect(hourOf('2026-01-01T00:59:59.999999Z')).toBe('2026-01-01T00:00:00.000Z');
  });
});
