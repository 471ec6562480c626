/**
 * Opens the engine a command asked for: Athena with `--athena`, else DuckDB over
 * `<dataDir>/lake` with `hits_hourly` read once from `DATABASE_URL`, from a running `alt dev`
 * (its admin API, found through `<dataDir>/dev.lock`: PGlite allows one process per data dir),
 * or from the data dir's PGlite, which is closed as soon as its rows are loaded.
 */
import { existsSync } from 'node:fs';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { Config } from '../lib/config.ts';
import { dataDirLayout } from '../lib/data-dir.ts';
import { createPglite } from '../lib/db/pglite.ts';
import { createPostgres } from '../lib/db/postgres.ts';
import type { Sql } from '../lib/db/sql.ts';
import { callAdmin } from '../lib/local-stack/admin-api.ts';
import { readDevLock, requireLocalData } from '../lib/local-stack/dev-lock.ts';
import { createAthenaEngine } from './athena-engine.ts';
import { createDuckdbEngine, ROLLUPS_ADMIN_OP, type RollupSource } from './duckdb-engine.ts';
import type { QueryEngine } from './engine.ts';

export interface OpenOptions {
  athena?: boolean;
  /** Skip the rollups (e.g. `alt validate` only reads `hits`). */
  withRollups?: boolean;
  /** Already-open rollup source (the dev admin API, a test's database). */
  rollups?: RollupSource;
}

/** `DATABASE_URL`, else the data dir's PGlite when it exists (never created as a side effect). */
export async function openRollupDb(config: Config): Promise<Sql | undefined> {
  if (config.databaseUrl) return createPostgres({ connectionString: config.databaseUrl, max: 1 });
  const { pg } = dataDirLayout(config.dataDir);
  // No PGlite yet: no rollups, and do not create an empty database as a side effect.
  return existsSync(pg) ? createPglite(pg) : undefined;
}

export async function openQueryEngine(config: Config, opts: OpenOptions = {}): Promise<QueryEngine> {
  if (opts.athena) {
    if (!config.athenaWorkgroup) {
      throw new Error('--athena needs a workgroup: pass --workgroup or set ALT_ATHENA_WORKGROUP');
    }
    return createAthenaEngine({
      client: new AthenaClient({ region: config.awsRegion }),
      workgroup: config.athenaWorkgroup,
      database: config.athenaDatabase,
    });
  }
  // Reading only: a data dir that does not exist is an error that says where to look, never an
  // empty answer (and is not created).
  const lakeDir = requireLocalData(config.dataDir, 'root').lake;
  if (opts.rollups || opts.withRollups === false) {
    return createDuckdbEngine({ lakeDir, rollups: opts.rollups });
  }
  const lock = config.databaseUrl ? null : readDevLock(config.dataDir);
  if (lock) {
    return createDuckdbEngine({
      lakeDir,
      rollups: () => callAdmin<Record<string, unknown>[]>(lock, ROLLUPS_ADMIN_OP),
    });
  }
  const db = await openRollupDb(config);
  try {
    return await createDuckdbEngine({ lakeDir, rollups: db });
  } finally {
    await db?.close();
  }
}
