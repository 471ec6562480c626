/**
 * Bytes per hit of the pipeline's three encodings, for the cost model's assumptions
 * (lib/cost/assumptions.ts): the Kinesis envelope (gzip level 1 NDJSON, at 12 and 500 hits a
 * record), the raw/ archive (`encodeRaw`: Huffman-only gzip of base64 envelope records, as the
 * transformer writes it) and hits/ Parquet (DuckDB, ZSTD). Rows are
 * bench/lib/lake-rows.ts's synthetic ones, more repetitive than real traffic.
 *
 *   npx tsx bench/experiments/lake-bytes-per-hit.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { EnvelopeKind, encodeEnvelope } from '../../stream/envelope.ts';
import { encodeRaw } from '../../transformer/lake/raw.ts';
import { createWriter, rowsInput } from '../../transformer/parquet/index.ts';
import { makeRow } from '../lib/lake-rows.ts';

const rows = (n: number) => Array.from({ length: n }, (_, i) => makeRow(i));
const ndjson = (n: number) =>
  Buffer.from(
    rows(n)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join(''),
  );
const perHit = (bytes: number, n: number) => Math.round((bytes / n) * 10) / 10;

const result: Record<string, number> = {};
for (const n of [12, 500])
  result[`envelopeGzip1At${n}`] = perHit(gzipSync(ndjson(n), { level: 1 }).length, n);
// What raw/ holds: the stream's records (gzip NDJSON envelopes) in base64, Huffman-coded — at the
// collector's 500 hits a record (its flush size under load) and at 12 (a quiet collector).
for (const per of [500, 12]) {
  const all = rows(40_000);
  const records = [];
  for (let i = 0; i < all.length; i += per) {
    const rec = all
      .slice(i, i + per)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join('');
    records.push({
      shardId: 'shardId-000000000000',
      sequenceNumber: String(49_600_000_000_000_000_000 + i),
      arrivedAt: new Date(),
      data: encodeEnvelope(EnvelopeKind.LAKE_ROWS, rec),
    });
  }
  result[`rawAt${per}`] = perHit(encodeRaw({ shardId: 'shardId-000000000000', records }).length, all.length);
}
// Huffman coding of the plain NDJSON: what an earlier version of this script measured as raw/.
result.plainNdjsonHuffmanOnly = perHit(
  gzipSync(ndjson(40_000), { strategy: constants.Z_HUFFMAN_ONLY }).length,
  40_000,
);
const dir = mkdtempSync(join(tmpdir(), 'alt-bytes-'));
const writer = await createWriter('duckdb');
const file = join(dir, 'hits.parquet');
await writer.write(rowsInput(rows(400_000)), file);
result.parquetZstd = perHit(statSync(file).size, 400_000);
await writer.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
