import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ColumnType, LAKE_COLUMNS, SCHEMA_VERSION } from '../../schemas/columns.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { makeRow } from '../testing/fixtures.ts';
import { openDuckdb } from './duckdb-sql.ts';
import { createWriter, type WriterName } from './index.ts';
import { isoToMicros, rowsInput } from './writer.ts';

const WRITERS: WriterName[] = ['duckdb', 'duckdb-appender', 'parquetjs'];

// Nulls in every nullable column, sub-millisecond and pre-/post-midnight timestamps, Unicode,
// quotes and backslashes in strings, extreme int32s.
const rows: LakeRow[] = [
  makeRow({ timestamp: '2026-11-25T03:15:00.123456Z', metadata: '{"k":"v\\"q"}', status: 'RUNNING' }),
  makeRow({
    client_sub_id: 'tenant-ä',
    module_id: null,
    event_name: 'click "buy" \\ now ✓',
    status_code: null,
    response_time_ms: null,
    metadata: null,
    is_bot: true,
    timestamp: '2026-11-25T03:00:00Z',
    event_type: 'event',
  }),
  makeRow({ status_code: 2147483647, response_time_ms: -2147483648, url: null, user_agent: '😀 agent' }),
  // Schema 2: Web Vitals (an integral CLS too), derived columns as the transformer appends them, and
  // a version-1 line (no schema-2 key at all) whose file still says version 2.
  makeRow({
    event_type: 'event',
    event_name: 'web_vitals',
    lcp_ms: 2500,
    inp_ms: 0,
    fcp_ms: 600000,
    ttfb_ms: 81,
    cls: 0.125,
    browser: 'Firefox',
    url_path: '/p/ü',
    channel: 'organic_search',
  }),
  makeRow({ event_type: 'event', event_name: 'web_vitals', cls: 1 }),
  { ...makeRow({ schema_version: 1 }), country: undefined },
  ...Array.from({ length: 50 }, () => makeRow()),
];

/** What each file must hold, as DuckDB reads it back: timestamps as epoch µs, absent columns NULL. */
const expected = rows
  .map((r) => ({
    ...(Object.fromEntries(LAKE_COLUMNS.map((c) => [c.name, r[c.name] ?? null])) as Record<string, unknown>),
    log_id: r.log_id,
    timestamp: isoToMicros(r.timestamp),
    received_at: isoToMicros(r.received_at),
    schema_version: SCHEMA_VERSION,
  }))
  .sort((a, b) => (a.log_id < b.log_id ? -1 : 1));

const PARQUET_TYPE: Record<ColumnType, string> = {
  string: 'BYTE_ARRAY',
  json: 'BYTE_ARRAY',
  int32: 'INT32',
  double: 'DOUBLE',
  timestamp: 'INT64',
  boolean: 'BOOLEAN',
};
const DUCKDB_READ_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  json: 'VARCHAR',
  int32: 'INTEGER',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  boolean: 'BOOLEAN',
};

let dir: string;
let db: Awaited<ReturnType<typeof openDuckdb>>;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-writers-'));
  db = await openDuckdb();
  for (const name of WRITERS) {
    const w = await createWriter(name);
    files[name] = join(dir, `${name}.parquet`);
    await w.write(rowsInput(rows), files[name]);
    await w.close();
  }
});
afterAll(async () => {
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(WRITERS)('the %s writer', (name) => {
  it('has the §3 columns in order with their types, as DuckDB reads them', async () => {
    const desc = (
      await db.conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(files[name])})`)
    )
      .getRowObjectsJS()
      .map((r) => [r.column_name, r.column_type]);
    expect(desc).toEqual(LAKE_COLUMNS.map((c) => [c.name, DUCKDB_READ_TYPE[c.type]]));
  });

  it('has the §3 physical and logical types, as hyparquet reads the footer', async () => {
    const md = await parquetMetadataAsync(await asyncBufferFromFile(files[name]));
    const cols = md.schema.slice(1);
    expect(cols.map((s) => s.name)).toEqual(LAKE_COLUMNS.map((c) => c.name));
    for (const [i, c] of LAKE_COLUMNS.entries()) {
      expect(cols[i].type, c.name).toBe(PARQUET_TYPE[c.type]);
      if (c.type === 'timestamp') {
        expect(cols[i].logical_type, c.name).toEqual({
          type: 'TIMESTAMP',
          isAdjustedToUTC: true,
          unit: 'MICROS',
        });
      }
      if (c.type === 'string' || c.type === 'json') expect(cols[i].converted_type, c.name).toBe('UTF8');
      if (c.type === 'int32') expect(cols[i].converted_type, c.name).toBe('INT_32');
    }
    const codec = md.row_groups[0].columns[0].meta_data?.codec;
    expect(codec).toBe(name === 'parquetjs' ? 'GZIP' : 'ZSTD');
    expect(md.row_groups).toHaveLength(1);
  });

  it('holds exactly the input rows, read back by DuckDB (µs precision)', async () => {
    const select = LAKE_COLUMNS.map((c) =>
      c.type === 'timestamp' ? `epoch_us("${c.name}") AS "${c.name}"` : `"${c.name}"`,
    );
    const got = (
      await db.conn.runAndReadAll(
        `SELECT ${select.join(', ')} FROM read_parquet(${quoteLiteral(files[name])}) ORDER BY log_id`,
      )
    ).getRowObjectsJS();
    expect(got).toEqual(expected);
  });

  it('holds exactly the input rows, read back by hyparquet (ms Dates)', async () => {
    const got = (await parquetReadObjects({
      file: await asyncBufferFromFile(files[name]),
      compressors,
    })) as Record<string, unknown>[];
    const norm = (r: Record<string, unknown>): Record<string, unknown> => ({
      ...r,
      timestamp: new Date(r.timestamp as string | Date).getTime(),
      received_at: new Date(r.received_at as string | Date).getTime(),
    });
    const sort = (a: Record<string, unknown>[]) =>
      a.map(norm).sort((x, y) => (String(x.log_id) < String(y.log_id) ? -1 : 1));
    const want = rows.map((r) => ({
      ...Object.fromEntries(LAKE_COLUMNS.map((c) => [c.name, r[c.name] ?? null])),
      schema_version: SCHEMA_VERSION,
    }));
    expect(sort(got)).toEqual(sort(want));
  });
});

it('all writers give the same rows', async () => {
  const read = async (f: string) =>
    (
      await db.conn.runAndReadAll(`SELECT * FROM read_parquet(${quoteLiteral(f)}) ORDER BY log_id`)
    ).getRowObjectsJson();
  const base = await read(files.duckdb);
  expect(base).toHaveLength(rows.length);
  for (const name of WRITERS.slice(1)) expect(await read(files[name])).toEqual(base);
});

it('the duckdb writer, file after file, writes each file from its own rows only', async () => {
  // Its input file is rewritten in place: a shorter input after a longer one must not read the
  // longer one's tail, nor a cached copy of it.
  const w = await createWriter('duckdb');
  const count = async (f: string) =>
    (
      await db.conn.runAndReadAll(
        `SELECT list(log_id ORDER BY log_id) AS ids FROM read_parquet(${quoteLiteral(f)})`,
      )
    ).getRowObjectsJS()[0].ids;
  try {
    const inputs = [rows, rows.slice(0, 1), rows.slice(1, 3), rows];
    for (const [i, input] of inputs.entries()) {
      const f = join(dir, `again-${i}.parquet`);
      await w.write(rowsInput(input), f);
      expect(await count(f)).toEqual(input.map((r) => r.log_id).sort());
    }
  } finally {
    await w.close();
  }
});

describe('DuckDB limits for a long-lived transformer', () => {
  it('streams a COPY several times bigger than its memory limit, and reports the limit it runs under', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alt-limits-'));
    const limited = await openDuckdb({ memoryLimit: '128MB', tempDirectory: join(dir, 'spill') });
    try {
      const setting = await limited.conn.runAndReadAll("SELECT current_setting('memory_limit') AS m");
      expect(String(setting.getRowObjectsJS()[0].m)).toMatch(/^12\d(\.\d+)? MiB$/);
      // ~256 MB of strings: the writer's COPY streams row groups, it never holds the whole input.
      const out = join(dir, 'sorted.parquet');
      await limited.conn.run(
        `COPY (SELECT repeat(md5(i::VARCHAR), 8) AS s FROM range(1000000) t(i)) TO ${quoteLiteral(out)} (FORMAT parquet)`,
      );
      const n = await limited.conn.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM read_parquet(${quoteLiteral(out)})`,
      );
      expect(n.getRowObjectsJS()[0].n).toBe(1_000_000);
    } finally {
      limited.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
