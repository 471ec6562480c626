/**
 * Transforms everything a drill's stream holds and measures the lake: `openTransformer` + the
 * poller over a reader (no compaction yet), count rows and duplicates, compact every hour touched,
 * count again, read the rollups. The transformer gets its own data dir (its own PGlite and lake),
 * so it never competes with a collector for the registry database.
 */
import { join } from 'node:path';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import type { StreamReader } from '../../stream/contract.ts';
import {
  addBatch,
  createPoller,
  type DrainResult,
  emptyDrainResult,
} from '../../transformer/drivers/poller.ts';
import { openTransformer, type Transformer } from '../../transformer/open.ts';
import { openDuckdb } from '../../transformer/parquet/duckdb-sql.ts';
import type { ProcessorDeps } from '../../transformer/process-batch.ts';
import { createBatchProcessor } from '../../transformer/process-batch.ts';
import type { LakeCounts } from './verdict.ts';

export interface LakeReport {
  drain: DrainResult;
  /** Drains that failed (crash drills): the error messages. */
  crashes: string[];
  lakeIds: Set<string>;
  beforeCompaction: LakeCounts;
  afterCompaction: LakeCounts;
  lakeByKey: Map<string, number>;
  rollupByKey: Map<string, number>;
}

export interface TransformOptions {
  /** The transformer's own data dir (lake/ and pg/ inside). */
  dataDir: string;
  /** Opened fresh for each drain attempt (a crash leaves the checkpoint where it was). */
  openReader(): Promise<StreamReader>;
  /** Crash injection between the Parquet write and the rollup commit. */
  beforeRollups?: ProcessorDeps['beforeRollups'];
  /** Drain attempts at most (a crash costs one). */
  attempts?: number;
  /** Stop draining once this says the stream holds everything (Kinesis is read in rounds). */
  until?(drained: DrainResult): boolean;
  /** Stream records per transformer batch (small: more batches, more crash points). */
  maxRecords?: number;
  /** Time bound for draining (ms). */
  deadlineMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function transformAndMeasure(o: TransformOptions): Promise<LakeReport> {
  const t = await openTransformer({
    dataDir: o.dataDir,
    databaseUrl: undefined,
    lakeBucket: undefined,
    s3Endpoint: undefined,
    awsRegion: 'us-east-1',
  });
  try {
    const processor = o.beforeRollups
      ? createBatchProcessor({
          store: t.store,
          writer: t.writer,
          rollups: t.rollups,
          beforeRollups: o.beforeRollups,
        })
      : t.processor;
    const drain = await drainAll(o, processor);
    const lakeDir = join(o.dataDir, 'lake');
    const before = await measureLake(lakeDir);
    for (const hour of before.hours) await t.compact(hour);
    const after = await measureLake(lakeDir);
    return {
      ...drain,
      lakeIds: after.ids,
      beforeCompaction: before.counts,
      afterCompaction: after.counts,
      lakeByKey: after.byKey,
      rollupByKey: await rollupsByKey(t),
    };
  } finally {
    await t.close();
  }
}

async function drainAll(o: TransformOptions, processor: Transformer['processor']) {
  const total = emptyDrainResult();
  const crashes: string[] = [];
  const deadline = Date.now() + (o.deadlineMs ?? 60_000);
  const attempts = o.attempts ?? 3;
  let failures = 0;
  for (;;) {
    const reader = await o.openReader();
    try {
      // Counted per committed batch: a drain that crashes half-way still counts what it committed.
      await createPoller({
        reader,
        processor,
        maxRecords: o.maxRecords,
        onBatch: (r) => addBatch(total, r),
      }).runOnce();
    } catch (err) {
      crashes.push((err as Error).message);
      if (++failures >= attempts) throw err;
      continue;
    } finally {
      await reader.close();
    }
    if (!o.until || o.until(total) || Date.now() > deadline) return { drain: total, crashes };
    await sleep(200);
  }
}

/** Hour partition directory of a Parquet file name (`…/hits/year=…/hour=HH/x.parquet`). */
export function partitionOfFile(file: string): string | undefined {
  return /hits\/(year=[^/]+\/month=[^/]+\/day=[^/]+\/hour=[^/]+)\//.exec(file)?.[1];
}

async function measureLake(lakeDir: string) {
  const duck = await openDuckdb();
  try {
    const src = `read_parquet(${quoteLiteral(join(lakeDir, 'hits/**/*.parquet'))}, filename = true)`;
    const files = await duck.conn.runAndReadAll(
      `SELECT count(*) AS n FROM glob(${quoteLiteral(join(lakeDir, 'hits/**/*.parquet'))})`,
    );
    if (Number((files.getRowObjectsJS()[0] as { n: bigint }).n) === 0) {
      return { ids: new Set<string>(), counts: { rows: 0, duplicates: 0 }, byKey: new Map(), hours: [] };
    }
    const rows = (
      await duck.conn.runAndReadAll(
        `SELECT log_id, app_id, epoch_ms(date_trunc('hour', "timestamp")) AS h, filename FROM ${src}`,
      )
    ).getRowObjectsJS() as { log_id: string; app_id: string; h: bigint | number; filename: string }[];
    const ids = new Set<string>();
    const byKey = new Map<string, number>();
    const hours = new Set<string>();
    for (const r of rows) {
      ids.add(r.log_id);
      const key = `${r.app_id}|${new Date(Number(r.h)).toISOString()}`;
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      const p = partitionOfFile(r.filename);
      if (p) hours.add(p);
    }
    return {
      ids,
      counts: { rows: rows.length, duplicates: rows.length - ids.size },
      byKey,
      hours: [...hours].sort(),
    };
  } finally {
    duck.close();
  }
}

async function rollupsByKey(t: Transformer): Promise<Map<string, number>> {
  const r = await t.db.query<{ app_id: string; hour: Date | string; hits: string | number }>(
    'SELECT app_id, hour, sum(hits) AS hits FROM hits_hourly GROUP BY app_id, hour',
  );
  const out = new Map<string, number>();
  for (const row of r.rows) {
    const n = Number(row.hits);
    if (n > 0) out.set(`${row.app_id}|${new Date(row.hour).toISOString()}`, n);
  }
  return out;
}
