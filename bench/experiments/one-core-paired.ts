/**
 * Paired one-core comparison of two versions of the transformer's DuckDB path (`planBatch` then the
 * `duckdb` writer), in ONE process so that both meet the same minute of this machine: the version
 * in this checkout against the one in `--base` (a copy of another commit's tree inside this
 * checkout, so that its imports resolve to the same node_modules), alternated within every round
 * (each batch planned and written by one version then the other, the order alternating from
 * pair to pair), beside DuckDB's own `read_json → COPY` of the same lines once a round (the
 * ceiling of bench/transformer.ts). Reports CPU time per hit (process.cpuUsage: the DuckDB thread
 * included) for the plan, the write and both — min and median over the pairs, and the quartiles
 * of the pairwise ratio new / base, the figure that other work on a shared machine disturbs least.
 * `--plan-only` skips the writes; `--gc-each` collects the heap before every run.
 *
 *   mkdir -p .tmp/base && git archive <commit> | tar -x -C .tmp/base   # .tmp/ is git-ignored
 *   taskset -c 1 node --expose-gc --import tsx bench/experiments/one-core-paired.ts --base .tmp/base
 *     [--hits 100000] [--batch 50000] [--rounds 7] [--plan-only] [--gc-each]
 *
 * Without `--base` the checkout is compared with itself (the noise floor of the method).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import type { StreamBatch } from '../../stream/contract.ts';
import {
  openDuckdb,
  PARQUET_OPTIONS,
  readJsonSql,
  SELECT_COLUMNS,
} from '../../transformer/parquet/duckdb-sql.ts';
import { makeLakeBatches } from '../lib/lake-rows.ts';

const { values } = parseArgs({
  options: {
    hits: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '7' },
    base: { type: 'string' },
    'plan-only': { type: 'boolean', default: false },
    'gc-each': { type: 'boolean', default: false },
  },
});
const HITS = Number(values.hits);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const PER_RECORD = 500;
const PLAN_ONLY = values['plan-only'];
const GC_EACH = values['gc-each'];

interface Version {
  name: string;
  /** `releasePlan` where the version has it: what its batch processor does once a plan is written. */
  release?: (p: unknown) => void;
  planBatch: (b: StreamBatch) => { partitions: { ndjson: Uint8Array[]; count: number }[] };
  createWriter: (name: 'duckdb') => Promise<{
    write(g: { ndjson: readonly Uint8Array[]; count: number }, file: string): Promise<void>;
    close(): Promise<void>;
  }>;
}

async function load(name: string, root: string): Promise<Version> {
  const url = (p: string) => pathToFileURL(resolve(root, p)).href;
  const plan = await import(url('transformer/core/plan.ts'));
  const parquet = await import(url('transformer/parquet/index.ts'));
  return {
    name,
    planBatch: (b) => plan.planBatch(b),
    createWriter: parquet.createWriter,
    release: plan.releasePlan,
  };
}

const { batches, ndjson } = makeLakeBatches(HITS, BATCH, PER_RECORD);

const here = resolve(import.meta.dirname, '../..');
const versions = [await load('base', values.base ? resolve(values.base) : here), await load('new', here)];
const dir = await mkdtemp(join(tmpdir(), 'alt-paired-'));
const files: string[] = [];
for (const [i, text] of ndjson.entries()) {
  files.push(join(dir, `in-${i}.ndjson`));
  await writeFile(files[i], text);
}
ndjson.length = 0;
const BATCH_HITS = batches.map((b) => b.records.length * PER_RECORD);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const duck = await openDuckdb();
async function ceiling(): Promise<number> {
  const c0 = cpuUs();
  for (const [i, f] of files.entries()) {
    await duck.conn.run(
      `COPY (SELECT ${SELECT_COLUMNS} FROM ${readJsonSql(f)}) TO ${quoteLiteral(join(dir, `ceil-${i}.parquet`))} ${PARQUET_OPTIONS}`,
    );
  }
  return (cpuUs() - c0) / HITS;
}

const writers = await Promise.all(versions.map((v) => v.createWriter('duckdb')));
/** Batch `i` planned and written by version `v`: CPU µs of each step. */
async function run(v: number, i: number): Promise<{ plan: number; write: number }> {
  const c0 = cpuUs();
  const p = versions[v].planBatch(batches[i]);
  const c1 = cpuUs();
  if (PLAN_ONLY) {
    versions[v].release?.(p);
    return { plan: c1 - c0, write: 0 };
  }
  for (const g of p.partitions) await writers[v].write(g, join(dir, `${versions[v].name}-${i}.parquet`));
  versions[v].release?.(p);
  return { plan: c1 - c0, write: cpuUs() - c1 };
}

// Pairs: each batch planned and written by one version then the other (the order alternating),
// so that both meet the same second of a machine other work shares; a round is every batch once.
type Sample = { plan: number; write: number; total: number };
const samples: Sample[][] = versions.map(() => []);
const ceilings: number[] = [];
let pair = 0;
for (let round = 0; round <= ROUNDS; round++) {
  gc();
  const ceil = PLAN_ONLY ? Number.NaN : await ceiling();
  const sum = versions.map(() => ({ plan: 0, write: 0 }));
  for (let i = 0; i < batches.length; i++) {
    for (const v of pair++ % 2 ? [1, 0] : [0, 1]) {
      // Each run from a collected heap, owing nothing of the other version's garbage: tighter
      // ratios, though a heap collected that often runs slower than a transformer's does.
      if (GC_EACH) gc();
      const r = await run(v, i);
      sum[v].plan += r.plan;
      sum[v].write += r.write;
      const per = BATCH_HITS[i];
      if (round > 0)
        samples[v].push({ plan: r.plan / per, write: r.write / per, total: (r.plan + r.write) / per });
    }
  }
  if (round > 0) ceilings.push(ceil);
  process.stderr.write(
    `round ${round}${round ? '' : ' (warm-up)'}: ceiling ${ceil.toFixed(2)} µs/hit; ${versions
      .map(
        (v, k) =>
          `${v.name} plan ${(sum[k].plan / HITS).toFixed(2)} write ${(sum[k].write / HITS).toFixed(2)}`,
      )
      .join('; ')}\n`,
  );
}
for (const w of writers) await w.close();
duck.close();
await rm(dir, { recursive: true, force: true });

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const med = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
const stats = (xs: number[]) => ({ min: +Math.min(...xs).toFixed(3), median: +med(xs).toFixed(3) });
const quartiles = (xs: number[]) => {
  const s = sorted(xs);
  return [0.25, 0.5, 0.75].map((q) => +s[Math.floor(q * (s.length - 1))].toFixed(3));
};
const pick = (v: number, k: keyof Sample) => samples[v].map((s) => s[k]);
const ceilingMedian = med(ceilings);
const out = {
  hits: HITS,
  batch: BATCH,
  rounds: ROUNDS,
  pairs: samples[0].length,
  unit: 'µs of CPU per hit',
  ceiling: stats(ceilings),
  ...Object.fromEntries(
    versions.map((v, i) => [
      v.name,
      {
        plan: stats(pick(i, 'plan')),
        write: stats(pick(i, 'write')),
        total: stats(pick(i, 'total')),
        // Against the median ceiling: the ceiling runs apart from the pairs.
        ratioToCeiling: +(ceilingMedian / med(pick(i, 'total'))).toFixed(3),
      },
    ]),
  ),
  // Per pair (the same batch, back to back), new against base: quartiles of the ratio.
  newOverBase: {
    plan: quartiles(samples[1].map((s, r) => s.plan / samples[0][r].plan)),
    write: quartiles(samples[1].map((s, r) => s.write / samples[0][r].write)),
    total: quartiles(samples[1].map((s, r) => s.total / samples[0][r].total)),
  },
  newMinusBase: {
    plan: +med(samples[1].map((s, r) => s.plan - samples[0][r].plan)).toFixed(3),
    total: +med(samples[1].map((s, r) => s.total - samples[0][r].total)).toFixed(3),
  },
};
console.log(JSON.stringify(out, null, 2));
