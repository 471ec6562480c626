/**
 * Wires the transformer's adapters from the typed config, for the CLI commands and `alt dev`:
 * lake = `<dataDir>/lake` (or the S3 bucket when `lakeBucket` is set), rollups = the database
 * `openDatabase` opens (PGlite at `<dataDir>/pg`, `databaseUrl`, or Aurora).
 */
import type { Config } from '../lib/config.ts';
import { dataDirLayout } from '../lib/data-dir.ts';
import { type DatabaseConfig, openDatabase } from '../lib/db/open-database.ts';
import type { Sql } from '../lib/db/sql.ts';
import { createPlanner } from './core/parallel-planner.ts';
import { createFsStore } from './lake/fs-store.ts';
import type { ObjectStore } from './lake/object-store.ts';
import { createS3Store } from './lake/s3-store.ts';
import { compactHour } from './maintenance/compact.ts';
import { DUE_DEFAULTS, listDueHours } from './maintenance/due.ts';
import type { DuckdbLimits } from './parquet/duckdb-sql.ts';
import { createWriter, type WriterName } from './parquet/index.ts';
import type { ParquetWriter } from './parquet/writer.ts';
import { type BatchProcessor, createBatchProcessor } from './process-batch.ts';
import { createSqlRollupStore } from './rollups/sql-store.ts';
import type { RollupStore } from './rollups/store.ts';

export type TransformerConfig = DatabaseConfig &
  Pick<Config, 'lakeBucket' | 's3Endpoint' | 'awsRegion'> &
  Partial<Pick<Config, 'compactGraceMinutes'>> & {
    /**
     * Bounds for the writer's DuckDB, which lives as long as the process (`alt dev`). Compaction
     * opens a DuckDB of its own per hour and closes it, so what it takes is given back; an hour's
     * dedup window and sort do not fit a small limit (DuckDB answered Out of Memory rather than
     * spilling an ORDER BY of wide strings at 128 MB here).
     */
    duckdb?: DuckdbLimits;
  };

export interface Transformer {
  store: ObjectStore;
  writer: ParquetWriter;
  db: Sql;
  rollups: RollupStore;
  processor: BatchProcessor;
  compact(partition: string): ReturnType<typeof compactHour>;
  /** The hours due for compaction now (`listDueHours` with the configured grace): the poller's policy. */
  dueHours(): Promise<string[]>;
  close(): Promise<void>;
}

export function openStore(config: TransformerConfig): ObjectStore {
  if (config.lakeBucket) {
    const [bucket, ...prefix] = config.lakeBucket.replace(/^s3:\/\//, '').split('/');
    return createS3Store({
      bucket,
      prefix: prefix.filter(Boolean).join('/') || undefined,
      endpoint: config.s3Endpoint,
      region: config.awsRegion,
    });
  }
  return createFsStore(dataDirLayout(config.dataDir).lake);
}

export async function openTransformer(
  config: TransformerConfig,
  writerName: WriterName = 'duckdb',
  /** An already-open, migrated database to share (`alt dev`: PGlite allows one opener per dir). */
  shared?: Sql,
): Promise<Transformer> {
  const store = openStore(config);
  const due = { ...DUE_DEFAULTS, graceMinutes: config.compactGraceMinutes ?? DUE_DEFAULTS.graceMinutes };
  // Two connections are enough for one batch at a time plus compaction.
  const db = shared ?? (await openDatabase(config, { max: 2 }));
  const writer = await createWriter(writerName, config.duckdb);
  const rollups = createSqlRollupStore(db);
  // Two cores or more: each batch is planned in two halves, one on a worker thread.
  const planner = createPlanner();
  return {
    store,
    writer,
    db,
    rollups,
    processor: createBatchProcessor({ store, writer, rollups, planner }),
    compact: (partition) => compactHour({ store, rollups }, partition),
    dueHours: () => listDueHours(store, new Date(), due),
    async close() {
      await planner.close();
      await writer.close();
      if (!shared) await db.close();
    },
  };
}
