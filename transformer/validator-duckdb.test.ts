/**
 * The validator and DuckDB must agree: every line `planBatch` admits, the DuckDB writer writes.
 * DuckDB re-parses the bytes with a stricter parser, and a line it refuses fails its whole batch on
 * every retry (a stuck shard), so hostile text (lone surrogates, impossible dates, duplicate keys,
 * unusual number forms, invalid UTF-8) is generated here and each batch must land whole.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral } from '../schemas/sql-quote.ts';
import { planBatch } from './core/plan.ts';
import { openDuckdb } from './parquet/duckdb-sql.ts';
import { createWriter } from './parquet/index.ts';
import type { ParquetWriter } from './parquet/writer.ts';
import { makeBatch, makeRow } from './testing/fixtures.ts';

const p2 = (n: number) => String(n).padStart(2, '0');
/** Pattern-shaped timestamps with out-of-range fields as often as real ones. */
const timestamp = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 24 }),
    mi: fc.integer({ min: 0, max: 60 }),
    s: fc.integer({ min: 0, max: 60 }),
    frac: fc.stringMatching(/^(\.\d{1,6})?$/),
  })
  .map(
    ({ y, mo, d, h, mi, s, frac }) =>
      `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}${frac}Z`,
  );
/** Any code points, lone surrogates included (JSON.stringify writes those as \ud8xx escapes). */
const text = fc.string({ unit: 'binary', maxLength: 12 });

const line = fc
  .record({
    timestamp: fc.oneof(timestamp, fc.constant('2026-11-25T03:15:00.123Z')),
    url: fc.oneof(text, fc.constant(null)),
    user_agent: text,
    event_name: fc.oneof(text, fc.constant(null)),
    status_code: fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.constant(null)),
    /** How the int is spelled: 200, 2e2, 200.0, 2.00e+2 all parse to 200 in JS. */
    numberForm: fc.constantFrom('plain', 'exp', 'dot'),
    duplicateKey: fc.boolean(),
    invalidUtf8: fc.boolean(),
  })
  .map(({ numberForm, duplicateKey, invalidUtf8, ...over }) => {
    let t = JSON.stringify(makeRow(over));
    if (numberForm === 'exp') t = t.replace('"schema_version":1', '"schema_version":1e0');
    if (numberForm === 'dot') t = t.replace('"schema_version":1', '"schema_version":1.000');
    // JSON.parse keeps the last of two equal keys: that url is the one that must reach the lake.
    if (duplicateKey) t = t.replace('{', '{"url":"first",');
    const bytes = Buffer.from(t);
    if (invalidUtf8) {
      const at = bytes.indexOf('"user_agent":"') + 14;
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28]), bytes.subarray(at)]);
    }
    return bytes;
  });

let dir: string;
let writer: ParquetWriter;
let db: Awaited<ReturnType<typeof openDuckdb>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-validator-duckdb-'));
  writer = await createWriter('duckdb');
  db = await openDuckdb();
});
afterAll(async () => {
  await writer?.close();
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('validator ⊆ DuckDB', () => {
  it('every admitted line is written; the lake holds what JSON.parse read', async () => {
    let run = 0;
    let admitted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 12 }), async (lines) => {
        const body = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
        const plan = planBatch(makeBatch([new Uint8Array([0x01, ...gzipSync(body)])]));
        const expected = new Map<string, string | null>();
        for (const l of lines) {
          try {
            const row = JSON.parse(l.toString());
            expected.set(row.log_id, row.url);
          } catch {}
        }
        const written: { log_id: string; url: string | null }[] = [];
        for (const [i, g] of plan.partitions.entries()) {
          const file = join(dir, `${run}-${i}.parquet`);
          await writer.write(g, file); // must not throw
          const r = await db.conn.runAndReadAll(
            `SELECT log_id, url FROM read_parquet(${quoteLiteral(file)})`,
          );
          written.push(...(r.getRowObjectsJS() as { log_id: string; url: string | null }[]));
        }
        run++;
        admitted += plan.counts.lakeRows;
        expect(written).toHaveLength(plan.counts.lakeRows);
        expect(plan.counts.lakeRows + plan.counts.bad).toBe(lines.length);
        for (const w of written) expect(w.url).toBe(expected.get(w.log_id));
      }),
      { numRuns: 60 },
    );
    // The generator must exercise the write path, not only the refusals.
    expect(admitted).toBeGreaterThan(60);
  });
});
