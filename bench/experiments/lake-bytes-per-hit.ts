/**
 * Bytes per hit of the pipeline's three encodings, for the cost model's assumptions
 * (lib/cost/assumptions.ts): the Kinesis envelope (gzip level 1 NDJSON, at 12 and 500 hits a
 * record), the raw/ archive (Huffman-only gzip) and hits/ Parquet (DuckDB, ZSTD). Rows are
 * bench/lib/lake-rows.ts's synthetic ones, more repetitive than real traffic.
 *
 *   npx tsx bench/experiments/lake-bytes-per-hit.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
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
result.rawHuffmanOnly = perHit(
  gzipSync(ndjson(40_000), { strategy: constants.Z_HUFFMAN_ONLY }).length,
  40_000,
);
result.rawGzip1 = perHit(gzipSync(ndjson(40_000), { level: 1 }).length, 40_000);
const dir = mkdtempSync(join(tmpdir(), 'alt-bytes-'));
const writer = await createWriter('duckdb');
const file = join(dir, 'hits.parquet');
await writer.write(rowsInput(rows(400_000)), file);
result.parquetZstd = perHit(statSync(file).size, 400_000);
await writer.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
