/**
 * Seeds a local lake for tests: writes `LakeRow`s as Parquet into
 * `<lakeDir>/hits/year=YYYY/month=MM/day=DD/hour=HH/`, one file per hour, with the column order
 * of `LAKE_COLUMNS` and DuckDB types from `DUCKDB_TYPE` (TIMESTAMPTZ → Parquet TIMESTAMP(MICROS, UTC)),
 * the same physical layout the transformer writes.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';
import { type Column, LAKE_COLUMNS, SCHEMA_VERSION } from '../../schemas/columns.ts';
import { type LakeRow, partitionOf } from '../../schemas/lake.ts';
import { quoteIdent, quoteLiteral } from '../../schemas/sql-quote.ts';
import { DUCKDB_TYPE } from '../../schemas/types.ts';

/** The columns of a file of schema version `version`: those added up to it, in order. */
export function columnsOf(version: number = SCHEMA_VERSION): readonly Column[] {
  return (LAKE_COLUMNS as readonly Column[]).filter((c) => c.since <= version);
}

/** `read_json` column spec derived from the schema: `{'log_id': 'VARCHAR', …}`. */
export function duckdbColumnSpec(version: number = SCHEMA_VERSION): string {
  return `{${columnsOf(version)
    .map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(DUCKDB_TYPE[c.type])}`)
    .join(', ')}}`;
}

let seq = 0;

/** A valid row with plausible defaults; tests override what they care about. */
export function makeLakeRow(overrides: Partial<LakeRow> = {}): LakeRow {
  seq += 1;
  const timestamp = overrides.timestamp ?? '2026-11-24T10:15:00.000Z';
  return {
    log_id: `0193a000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    app_id: 'alt_demoAppId0000000000001',
    client_sub_id: null,
    module_id: null,
    event_type: 'pageview',
    event_name: null,
    source: 'beacon',
    timestamp,
    received_at: timestamp,
    url: 'https://shop.example/',
    referrer: null,
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0',
    client_ip: '203.0.113.0',
    session_id: null,
    visitor_id: 'v-0001',
    status_code: 200,
    status: null,
    response_time_ms: 100,
    request_id: null,
    metadata: null,
    is_bot: false,
    schema_version: SCHEMA_VERSION,
    ...overrides,
  };
}

export interface SeedOptions {
  /** File name inside each hour directory (default `seed-<n>.parquet`, unique per call). */
  fileName?: string;
  /**
   * Writes every row under this partition path instead of the one its `timestamp` gives, to make
   * a lake whose path disagrees with its rows (for data-quality tests).
   */
  forcePartition?: string;
  /**
   * Writes a file of this schema version: version 1 has the first 22 columns only, as the writers
   * made them before version 2 (default: the current version).
   */
  schemaVersion?: number;
}

let calls = 0;

/** Writes `rows` into the lake; returns the Parquet files written. */
export async function seedLake(lakeDir: string, rows: LakeRow[], opts: SeedOptions = {}): Promise<string[]> {
  calls += 1;
  const byHour = new Map<string, LakeRow[]>();
  for (const r of rows) {
    const p = opts.forcePartition ?? partitionOf(r.timestamp);
    byHour.set(p, [...(byHour.get(p) ?? []), r]);
  }
  const scratch = await mkdtemp(join(tmpdir(), 'alt-seed-'));
  const instance = await createMemoryDuckdb();
  const conn = await instance.connect();
  const written: string[] = [];
  try {
    await conn.run("SET TimeZone='UTC'");
    const version = opts.schemaVersion ?? SCHEMA_VERSION;
    const select = columnsOf(version)
      .map((c) => quoteIdent(c.name))
      .join(', ');
    let n = 0;
    for (const [partition, hourRows] of byHour) {
      n += 1;
      const ndjson = join(scratch, `${n}.ndjson`);
      await writeFile(ndjson, `${hourRows.map((r) => JSON.stringify(r)).join('\n')}\n`);
      const dir = join(lakeDir, 'hits', partition);
      await mkdir(dir, { recursive: true });
      const file = join(dir, opts.fileName ?? `seed-${process.pid}-${calls}.parquet`);
      await conn.run(
        `COPY (SELECT ${select} FROM read_json(${quoteLiteral(ndjson)}, format = 'newline_delimited', columns = ${duckdbColumnSpec(version)}))
         TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      written.push(file);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
  return written;
}
