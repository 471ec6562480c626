/**
 * Transformer throughput: hits/s from stream records (gzip NDJSON envelopes) to Parquet for each
 * writer, next to DuckDB's own `read_json → COPY` of the same NDJSON (the practical ceiling), plus
 * rollup upserts into the real PostgreSQL, and RSS as batches accumulate.
 *
 *   npx tsx bench/transformer.ts [--hits 500000] [--batch 50000]
 *
 * Prints a table and writes bench/results/transformer-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../lib/db/migrate.ts';
import { createPostgres } from '../lib/db/postgres.ts';
import { quoteLiteral } from '../schemas/sql-quote.ts';
import type { StreamBatch } from '../stream/contract.ts';
import { EnvelopeKind, encodeEnvelope } from '../stream/envelope.ts';
import { createPlanner } from '../transformer/core/parallel-planner.ts';
import { planBatch, releasePlan } from '../transformer/core/plan.ts';
import { createFsStore } from '../transformer/lake/fs-store.ts';
import {
  openDuckdb,
  PARQUET_OPTIONS,
  readJsonSql,
  SELECT_COLUMNS,
} from '../transformer/parquet/duckdb-sql.ts';
import { createWriter, type WriterName } from '../transformer/parquet/index.ts';
import { createBatchProcessor } from '../transformer/process-batch.ts';
import { createSqlRollupStore } from '../transformer/rollups/sql-store.ts';
import { hourStart, makeLakeBatches, makeRow } from './lib/lake-rows.ts';

const { values } = parseArgs({
  options: {
    hits: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '3' },
    'one-core-child': { type: 'boolean', default: false },
    'soak-child': { type: 'boolean', default: false },
    'soak-batches': { type: 'string', default: '100' },
  },
});
const ROUNDS = Number(values.rounds);
const ONE_CORE_CHILD = values['one-core-child'];
const SOAK_CHILD = values['soak-child'];
const SOAK_BATCHES = Number(values['soak-batches']);
const TOTAL = Number(values.hits);
const BATCH = Number(values.batch);
const HITS_PER_RECORD = 500; // the collector's flush size (DESIGN §4)

/** Stream batches of `BATCH` hits, `HITS_PER_RECORD` per envelope record, like the collector writes. */
function makeBatches(total: number): { batches: StreamBatch[]; ndjson: string[] } {
  return makeLakeBatches(total, BATCH, HITS_PER_RECORD);
}

/**
 * The planner as deployed (transformer/open.ts): halves of a batch planned on two cores when there
 * are two. One for the whole run, started before any timing (its worker loads in a few hundred ms).
 */
const planner = createPlanner();

const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const rate = (n: number, s: number) => Math.round(n / s);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};

interface WriterRun {
  seconds: number;
  hitsPerSec: number;
  writerOnlyHitsPerSec: number;
  coreOnlyHitsPerSec: number;
  rssMiBAfterEachBatch: number[];
}

/** The core (the planner as deployed: `createPlanner`) then the writer, batch after batch, timed apart and together. */
async function measureWriter(name: WriterName, use: StreamBatch[], dir: string): Promise<WriterRun> {
  const hits = use.reduce((n, b) => n + b.records.length, 0) * HITS_PER_RECORD;
  const w = await createWriter(name);
  let coreS = 0;
  let writeS = 0;
  const rss: number[] = [];
  const t0 = process.hrtime.bigint();
  for (const [i, b] of use.entries()) {
    const c0 = process.hrtime.bigint();
    const plan = await planner.plan(b);
    coreS += secs(c0);
    const w0 = process.hrtime.bigint();
    for (const g of plan.partitions) await w.write(g, join(dir, `${name}-${i}.parquet`));
    writeS += secs(w0);
    releasePlan(plan); // as the batch processor does once a plan's groups are written
    rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
  }
  const total = secs(t0);
  await w.close();
  return {
    seconds: +total.toFixed(3),
    hitsPerSec: rate(hits, total),
    writerOnlyHitsPerSec: rate(hits, writeS),
    coreOnlyHitsPerSec: rate(hits, coreS),
    rssMiBAfterEachBatch: rss,
  };
}

async function measureCeiling(files: string[], dir: string): Promise<number> {
  const duck = await openDuckdb();
  const t0 = process.hrtime.bigint();
  for (const [i, f] of files.entries()) {
    await duck.conn.run(
      `COPY (SELECT ${SELECT_COLUMNS} FROM ${readJsonSql(f)}) TO ${quoteLiteral(join(dir, `ceil-${i}.parquet`))} ${PARQUET_OPTIONS}`,
    );
  }
  const r = rate(TOTAL, secs(t0));
  duck.close();
  return r;
}

/**
 * What a deployment runs per batch: the processor (core, raw/ archive, Parquet per hour, every object
 * put into a lake directory), without rollups (measured apart).
 */
async function measureProcessor(batches: StreamBatch[], dir: string): Promise<number> {
  const lake = join(dir, 'lake');
  const w = await createWriter('duckdb');
  const processor = createBatchProcessor({ store: createFsStore(lake), writer: w, planner });
  const t0 = process.hrtime.bigint();
  for (const b of batches) await processor.process(b);
  const total = secs(t0);
  await w.close();
  await rm(lake, { recursive: true, force: true });
  return rate(TOTAL, total);
}

async function measureRounds(batches: StreamBatch[], files: string[], dir: string) {
  const ceilings: number[] = [];
  const duck: WriterRun[] = [];
  const proc: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ceilings.push(await measureCeiling(files, dir));
    duck.push(await measureWriter('duckdb', batches, dir));
    proc.push(await measureProcessor(batches, dir));
    process.stderr.write(
      `round ${r + 1}/${ROUNDS}: ceiling ${ceilings[r]}, duckdb ${duck[r].hitsPerSec} (core ${duck[r].coreOnlyHitsPerSec}, writer ${duck[r].writerOnlyHitsPerSec}), processor ${proc[r]} hits/s\n`,
    );
  }
  const ceiling = median(ceilings);
  const ratios = (xs: number[]) => median(xs.map((x, i) => Math.round((1000 * x) / ceilings[i]))) / 1000;
  const d = (k: keyof WriterRun) => median(duck.map((x) => x[k] as number));
  return {
    ceiling: {
      what: 'DuckDB read_json (explicit columns) → COPY parquet zstd',
      hitsPerSec: ceiling,
      rounds: ceilings,
    },
    writers: {
      duckdb: {
        hits: TOTAL,
        hitsPerSec: d('hitsPerSec'),
        writerOnlyHitsPerSec: d('writerOnlyHitsPerSec'),
        coreOnlyHitsPerSec: d('coreOnlyHitsPerSec'),
        ratioToCeiling: ratios(duck.map((x) => x.hitsPerSec)),
        rounds: duck.map((x) => x.hitsPerSec),
        rssMiBAfterEachBatch: duck.at(-1)?.rssMiBAfterEachBatch,
      },
      'processor-duckdb': {
        hits: TOTAL,
        hitsPerSec: median(proc),
        ratioToCeiling: ratios(proc),
        rounds: proc,
      },
    } as Record<string, unknown>,
  };
}

/** This script again as a child with `flag` (and under `taskset` when `cpus` is given); its stdout JSON. */
function childRun(flag: string, cpus?: string): unknown {
  const node = [
    process.execPath,
    ...process.execArgv,
    process.argv[1],
    '--hits',
    String(TOTAL),
    '--batch',
    String(BATCH),
    '--soak-batches',
    String(SOAK_BATCHES),
    flag,
  ];
  const [cmd, ...args] = cpus ? ['taskset', '-c', cpus, ...node] : node;
  const child = spawnSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.error || child.status !== 0) {
    return { error: `${flag} run failed: ${child.error?.message ?? `exit ${child.status}`}` };
  }
  return JSON.parse(child.stdout);
}

/** One stream batch of `hits` hits starting at row `first`, made on demand (nothing else held). */
function makeBatchAt(first: number, seq: number, hits = BATCH, shardId = 'soak'): StreamBatch {
  const records = [];
  for (let r = first; r < first + hits; r += HITS_PER_RECORD) {
    let rec = '';
    for (let i = r; i < Math.min(first + hits, r + HITS_PER_RECORD); i++)
      rec += `${JSON.stringify(makeRow(i))}\n`;
    records.push({
      shardId,
      sequenceNumber: String(seq++).padStart(20, '0'),
      arrivedAt: new Date(hourStart + 3_500_000),
      data: encodeEnvelope(EnvelopeKind.LAKE_ROWS, rec),
    });
  }
  return { shardId, records };
}

/**
 * Memory over a long run, in a process of its own (the main run holds its whole input): batch after
 * batch made, processed as deployed (core, raw/, Parquet, lake puts) and dropped, RSS after each.
 * A transformer that held what it processed (a day of rows, growing buffers) shows a rising trend.
 */
async function soak(dir: string) {
  const lake = join(dir, 'soak-lake');
  const w = await createWriter('duckdb');
  const processor = createBatchProcessor({ store: createFsStore(lake), writer: w, planner });
  const rssMiB: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < SOAK_BATCHES; b++) {
    await processor.process(makeBatchAt(b * BATCH, b * (BATCH / HITS_PER_RECORD)));
    // The lake's files are not what is measured: keep the disk small.
    await rm(lake, { recursive: true, force: true });
    rssMiB.push(Math.round(process.memoryUsage().rss / 2 ** 20));
  }
  const seconds = secs(t0);
  await w.close();
  return {
    batches: SOAK_BATCHES,
    batchHits: BATCH,
    hits: SOAK_BATCHES * BATCH,
    seconds: +seconds.toFixed(1),
    rssMiBAfterEachBatch: rssMiB,
  };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'alt-bench-'));
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    cpusAllowed: availableParallelism(),
    // Other work on the machine skews every number; the ratio to the same-run ceiling less so.
    loadAverage1mAtStart: +loadavg()[0].toFixed(2),
    hits: TOTAL,
    batchHits: BATCH,
    hitsPerRecord: HITS_PER_RECORD,
  };
  try {
    if (SOAK_CHILD) {
      await planner.plan(makeBatchAt(0, 0));
      console.log(JSON.stringify(await soak(dir)));
      return;
    }
    process.stderr.write(`generating ${TOTAL} hits…\n`);
    const { batches, ndjson } = makeBatches(TOTAL);
    await planner.plan(batches[0]); // start the planner's worker before anything is timed

    // 1. The ceiling: DuckDB parses the same NDJSON itself and writes Parquet (files pre-written).
    const files: string[] = [];
    for (const [i, text] of ndjson.entries()) {
      files.push(join(dir, `in-${i}.ndjson`));
      await writeFile(files[i], text);
    }
    // A deployed transformer's heap holds one batch, not the whole run's text: let it go.
    ndjson.length = 0;

    // 2. Rounds of ceiling, DuckDB path and full processor, interleaved so that a noisy minute
    //    hits all three; medians are reported, with each round's figures.
    const rounds = await measureRounds(batches, files, dir);
    if (ONE_CORE_CHILD) {
      console.log(JSON.stringify({ cpusAllowed: availableParallelism(), ...rounds }));
      return;
    }
    const writers: Record<string, unknown> = { ...rounds.writers };
    result.ceiling = rounds.ceiling;

    // The same rounds pinned to one CPU (taskset), DuckDB on one thread: the "one core" target.
    if (!ONE_CORE_CHILD) result.oneCore = childRun('--one-core-child', '0');

    // 3. The other writers once, against the median ceiling.
    const ceiling = rounds.ceiling.hitsPerSec;
    for (const name of ['duckdb-appender', 'parquetjs'] as WriterName[]) {
      // parquetjs-lite is ~10× slower: a fifth of the data keeps the run short.
      const use =
        name === 'parquetjs' ? batches.slice(0, Math.max(1, Math.ceil(batches.length / 5))) : batches;
      const hits = use.reduce((n, b) => n + b.records.length, 0) * HITS_PER_RECORD;
      const m = await measureWriter(name, use, dir);
      writers[name] = { hits, ...m, ratioToCeiling: +(m.hitsPerSec / ceiling).toFixed(3) };
      process.stderr.write(`${name}: ${JSON.stringify(writers[name])}\n`);
    }
    result.writers = writers;
    for (const f of files) await rm(f);

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
    // And over a long run, in a child that holds nothing but the batch at hand.
    result.soak = childRun('--soak-child');
    process.stderr.write(`soak: ${JSON.stringify(result.soak)}\n`);

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
      const t0 = process.hrtime.bigint();
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
    await planner.close();
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
  const batches: StreamBatch[] = [];
  for (let start = 0; start < TOTAL; start += size) {
    batches.push(makeBatchAt(start, start / HITS_PER_RECORD, Math.min(size, TOTAL - start), 'grow'));
  }
  return { batches };
}

await main();
