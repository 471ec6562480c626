/**
 * Transformer throughput: hits/s from stream records (gzip NDJSON envelopes) to Parquet for each
 * writer, next to DuckDB's own `read_json → COPY` of the same NDJSON (the practical ceiling), plus
 * rollup upserts into the real PostgreSQL, and RSS as batches accumulate.
 *
 *   npx tsx bench/transformer.ts [--hits 500000] [--batch 50000]
 *
 * Prints a table and writes bench/results/transformer-<date>.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../lib/db/migrate.ts';
import { createPostgres } from '../lib/db/postgres.ts';
import { EnvelopeKind, encodeEnvelope } from '../lib/envelope.ts';
import type { StreamBatch } from '../lib/stream.ts';
import type { LakeRow } from '../schemas/lake.ts';
import { planBatch } from '../transformer/core/plan.ts';
import { createFsStore } from '../transformer/lake/fs-store.ts';
import {
  openDuckdb,
  PARQUET_OPTIONS,
  quoteLiteral,
  readJsonSql,
  SELECT_COLUMNS,
} from '../transformer/parquet/duckdb-sql.ts';
import { createWriter, type WriterName } from '../transformer/parquet/index.ts';
import { createBatchProcessor } from '../transformer/process-batch.ts';
import { createSqlRollupStore } from '../transformer/rollups/sql-store.ts';

const { values } = parseArgs({
  options: { hits: { type: 'string', default: '500000' }, batch: { type: 'string', default: '50000' } },
});
const TOTAL = Number(values.hits);
const BATCH = Number(values.batch);
const HITS_PER_RECORD = 500; // the collector's flush size (DESIGN §4)

const APPS = Array.from({ length: 20 }, (_, i) => `alt_${String(i).padStart(22, 'a')}`);
const MODULES = [null, 'hero', 'nav', 'footer', 'cart'];
const STATUS_CODES = [200, 200, 200, 200, 304, 404, 500, null];
const hourStart = Date.UTC(2026, 10, 25, 3);

function makeRow(i: number): LakeRow {
  const ts = new Date(hourStart + ((i * 7919) % 3_600_000)).toISOString();
  return {
    log_id: randomUUID(),
    app_id: APPS[i % APPS.length],
    client_sub_id: i % 3 ? null : `tenant-${i % 7}`,
    module_id: MODULES[i % MODULES.length],
    event_type: i % 10 ? 'pageview' : 'event',
    event_name: i % 10 ? null : 'signup',
    source: 'beacon',
    timestamp: ts,
    received_at: ts,
    url: `https://shop.example.com/products/${i % 5000}?ref=campaign-${i % 13}`,
    referrer: i % 2 ? 'https://www.google.com/' : null,
    user_agent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    client_ip: `203.0.${i % 256}.0`,
    session_id: null,
    visitor_id: (i % 50_000).toString(16).padStart(16, '0'),
    status_code: STATUS_CODES[i % STATUS_CODES.length],
    status: i % 10 ? null : 'SUCCEEDED',
    response_time_ms: (i * 37) % 2000,
    request_id: null,
    metadata: i % 4 ? null : '{"ab":"variant-b","flags":["x","y"]}',
    is_bot: i % 50 === 0,
    schema_version: 1,
  };
}

/** Stream batches of `BATCH` hits, `HITS_PER_RECORD` per envelope record, like the collector writes. */
function makeBatches(total: number): { batches: StreamBatch[]; ndjson: string[] } {
  const batches: StreamBatch[] = [];
  const ndjson: string[] = [];
  let seq = 0;
  for (let start = 0; start < total; start += BATCH) {
    const records = [];
    let text = '';
    for (let r = start; r < Math.min(total, start + BATCH); r += HITS_PER_RECORD) {
      let rec = '';
      for (let i = r; i < Math.min(total, start + BATCH, r + HITS_PER_RECORD); i++)
        rec += `${JSON.stringify(makeRow(i))}\n`;
      text += rec;
      records.push({
        shardId: 'bench',
        sequenceNumber: String(seq++).padStart(20, '0'),
        arrivedAt: new Date(hourStart + 3_500_000),
        data: encodeEnvelope(EnvelopeKind.LAKE_ROWS, rec),
      });
    }
    batches.push({ shardId: 'bench', records });
    ndjson.push(text);
  }
  return { batches, ndjson };
}

const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const rate = (n: number, s: number) => Math.round(n / s);

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'alt-bench-'));
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    // Other work on the machine skews every number; the ratio to the same-run ceiling less so.
    loadAverage1mAtStart: +loadavg()[0].toFixed(2),
    hits: TOTAL,
    batchHits: BATCH,
    hitsPerRecord: HITS_PER_RECORD,
  };
  try {
    process.stderr.write(`generating ${TOTAL} hits…\n`);
    const { batches, ndjson } = makeBatches(TOTAL);

    // 1. The ceiling: DuckDB parses the same NDJSON itself and writes Parquet (files pre-written).
    const files: string[] = [];
    for (const [i, text] of ndjson.entries()) {
      files.push(join(dir, `in-${i}.ndjson`));
      await writeFile(files[i], text);
    }
    const duck = await openDuckdb();
    let t0 = process.hrtime.bigint();
    for (const [i, f] of files.entries()) {
      await duck.conn.run(
        `COPY (SELECT ${SELECT_COLUMNS} FROM ${readJsonSql(f)}) TO ${quoteLiteral(join(dir, `ceil-${i}.parquet`))} ${PARQUET_OPTIONS}`,
      );
    }
    const ceiling = rate(TOTAL, secs(t0));
    duck.close();
    for (const f of files) await rm(f);
    process.stderr.write(`ceiling read_json → COPY: ${ceiling} hits/s\n`);

    // 2. Each writer behind the full core: decode envelopes, validate, dedupe, group, write.
    const writers: Record<string, unknown> = {};
    for (const name of ['duckdb', 'duckdb-appender', 'parquetjs'] as WriterName[]) {
      // parquetjs-lite is ~10× slower: a fifth of the data keeps the run short.
      const use =
        name === 'parquetjs' ? batches.slice(0, Math.max(1, Math.ceil(batches.length / 5))) : batches;
      const hits = use.reduce((n, b) => n + b.records.length, 0) * HITS_PER_RECORD;
      const w = await createWriter(name);
      let coreS = 0;
      let writeS = 0;
      const rss: number[] = [];
      t0 = process.hrtime.bigint();
      for (const [i, b] of use.entries()) {
        const c0 = process.hrtime.bigint();
        const plan = planBatch(b);
        coreS += secs(c0);
        const w0 = process.hrtime.bigint();
        for (const g of plan.partitions) await w.write(g, join(dir, `${name}-${i}.parquet`));
        writeS += secs(w0);
        rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
      }
      const total = secs(t0);
      await w.close();
      writers[name] = {
        hits,
        seconds: +total.toFixed(3),
        hitsPerSec: rate(hits, total),
        writerOnlyHitsPerSec: rate(hits, writeS),
        coreOnlyHitsPerSec: rate(hits, coreS),
        ratioToCeiling: +(rate(hits, total) / ceiling).toFixed(3),
        rssMiBAfterEachBatch: rss,
      };
      process.stderr.write(`${name}: ${JSON.stringify(writers[name])}\n`);
    }
    {
      // What a deployment runs per batch: the processor (core, raw/ archive, Parquet per hour,
      // every object put into a lake directory), without rollups (measured apart below).
      const lake = join(dir, 'lake');
      const w = await createWriter('duckdb');
      const processor = createBatchProcessor({ store: createFsStore(lake), writer: w });
      t0 = process.hrtime.bigint();
      for (const b of batches) await processor.process(b);
      const total = secs(t0);
      await w.close();
      await rm(lake, { recursive: true, force: true });
      writers['processor-duckdb'] = {
        hits: TOTAL,
        seconds: +total.toFixed(3),
        hitsPerSec: rate(TOTAL, total),
        ratioToCeiling: +(rate(TOTAL, total) / ceiling).toFixed(3),
      };
      process.stderr.write(`processor-duckdb: ${JSON.stringify(writers['processor-duckdb'])}\n`);
    }
    result.ceiling = { what: 'DuckDB read_json (explicit columns) → COPY parquet zstd', hitsPerSec: ceiling };
    result.writers = writers;

    // 3. Memory as batches grow: peak RSS of the DuckDB path per batch size.
    const growth: Record<string, number> = {};
    for (const size of [10_000, 50_000, 100_000]) {
      const { batches: bs } = makeBatchesOf(size);
      const w = await createWriter('duckdb');
      let peak = 0;
      for (const b of bs) {
        const plan = planBatch(b);
        for (const g of plan.partitions) await w.write(g, join(dir, `grow-${size}.parquet`));
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      await w.close();
      growth[`batch${size}`] = Math.round(peak / 2 ** 20);
    }
    result.peakRssMiBByBatchSize = growth;
    process.stderr.write(`peak RSS by batch size (MiB): ${JSON.stringify(growth)}\n`);

    // 4. Rollups into the real PostgreSQL: deltas computed per batch, applied with the ledger row.
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `bench_${Date.now()}`;
    const admin = createPostgres({ connectionString: url, max: 1 });
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const db = createPostgres({ connectionString: url, schema, max: 2 });
      await migrate(db);
      const store = createSqlRollupStore(db);
      const plans = batches.map((b) => planBatch(b));
      t0 = process.hrtime.bigint();
      let keys = 0;
      for (const p of plans) {
        keys += p.deltas.length;
        await store.applyBatch({
          shardId: p.shardId,
          firstSeq: p.firstSeq,
          lastSeq: p.lastSeq,
          rows: p.counts.lakeRows,
          deltas: p.deltas,
        });
      }
      const s = secs(t0);
      result.rollups = {
        database: 'PostgreSQL (DATABASE_URL or 127.0.0.1:5432/test)',
        batches: plans.length,
        keysUpserted: keys,
        seconds: +s.toFixed(3),
        hitsPerSec: rate(TOTAL, s),
        keyUpsertsPerSec: rate(keys, s),
      };
      process.stderr.write(`rollups: ${JSON.stringify(result.rollups)}\n`);
      await db.close();
    } catch (err) {
      result.rollups = { error: (err as Error).message };
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await admin.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const outDir = join(import.meta.dirname, 'results');
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, `transformer-${new Date().toISOString().slice(0, 10)}.json`);
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`written ${out}`);
}

function makeBatchesOf(size: number): { batches: StreamBatch[] } {
  // Same total as the main run, cut into batches of `size`.
  const all: StreamBatch[] = [];
  let seq = 0;
  for (let start = 0; start < TOTAL; start += size) {
    const records = [];
    for (let r = start; r < Math.min(TOTAL, start + size); r += HITS_PER_RECORD) {
      let rec = '';
      for (let i = r; i < Math.min(TOTAL, start + size, r + HITS_PER_RECORD); i++)
        rec += `${JSON.stringify(makeRow(i))}\n`;
      records.push({
        shardId: 'grow',
        sequenceNumber: String(seq++).padStart(20, '0'),
        arrivedAt: new Date(hourStart),
        data: encodeEnvelope(EnvelopeKind.LAKE_ROWS, rec),
      });
    }
    all.push({ shardId: 'grow', records });
  }
  return { batches: all };
}

await main();
