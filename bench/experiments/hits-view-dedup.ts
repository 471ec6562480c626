/**
 * A design question answered by measurement, kept so the answer can be re-checked: what does the
 * local `hits` view's query-time dedup (DESIGN §5: until its hour is compacted a query can meet a
 * duplicate `log_id`) cost against the plain view? The lake: HOURS compacted hours of ROWS_PER_HOUR
 * rows each (one `compacted.parquet` per hour, as compaction leaves them) plus an open hour of
 * OPEN_FILES batch files of 500 rows with 1 % of its log_ids repeated in a later file. Each query
 * runs on the plain view (`dedup: false`, the view before the change) and the deduped view, in
 * alternating rounds; the median of ROUNDS runs is printed as JSON with the ratio.
 *
 *   taskset -c 0 npx tsx bench/experiments/hits-view-dedup.ts [hours] [rowsPerHour] [openFiles] [rounds]
 *
 * 2026-12-06, `48 40000 200 3` (1.92 M compacted rows + 100k in 200 open-hour files), one core of a
 * shared, busy 2-core machine, medians in ms (plain / one window over the whole lake / the view as
 * built, the window over open hours only): count 228 / 9,875 / 1,980; GROUP BY app, status 732 /
 * 13,148 / 1,545; one day's top URLs 557 / 1,656 / 1,010; count of the open hour 249 / 644 / 684;
 * `SELECT * LIMIT 100` 268 / 11,020 / 1,511. An earlier, quieter run: count 33 / 2,795 / —. The
 * whole-lake window costs 20–40×; restricted to the open hours 2–9×, most of it the open hour's
 * own 200 files, which compaction removes once the hour closes.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';
import { hitsGlob, hitsViewSql } from '../../query/duckdb-engine.ts';
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../../schemas/columns.ts';
import { partitionOf } from '../../schemas/lake.ts';
import { quoteIdent, quoteLiteral } from '../../schemas/sql-quote.ts';
import { duckdbColumnSpec } from '../../test/helpers/seed-lake.ts';
import { hourStart, makeRow } from '../lib/lake-rows.ts';

const [HOURS, ROWS_PER_HOUR, OPEN_FILES, ROUNDS] = [48, 40_000, 200, 5].map((d, i) =>
  process.argv[2 + i] ? Number(process.argv[2 + i]) : d,
);
const HOUR_MS = 3_600_000;

const dir = await mkdtemp(join(tmpdir(), 'alt-dedup-bench-'));
const lakeDir = join(dir, 'lake');
const instance = await createMemoryDuckdb();
const conn = await instance.connect();
try {
  await conn.run("SET TimeZone = 'UTC'");
  // One hour of rows from the bench generator; every other hour is a copy shifted in time with
  // fresh log_ids (uuid()), so building the lake costs one JS pass.
  const ndjson = join(dir, 'hour.ndjson');
  await writeFile(
    ndjson,
    `${Array.from({ length: ROWS_PER_HOUR }, (_, i) => JSON.stringify(makeRow(i))).join('\n')}\n`,
  );
  await conn.run(
    `CREATE TABLE base AS SELECT * FROM read_json(${quoteLiteral(ndjson)}, format = 'newline_delimited', columns = ${duckdbColumnSpec()})`,
  );
  const shifted = (hours: number, logId: string) =>
    LAKE_COLUMNS.map((c) => {
      const q = quoteIdent(c.name);
      if (c.name === 'log_id') return `${logId} AS log_id`;
      if (c.type === 'timestamp') return `${q} + INTERVAL ${hours} HOUR AS ${q}`;
      return q;
    }).join(', ');
  for (let h = 0; h < HOURS; h++) {
    const p = join(lakeDir, 'hits', partitionOf(new Date(hourStart + h * HOUR_MS)));
    await mkdir(p, { recursive: true });
    await conn.run(
      `COPY (SELECT ${shifted(h, 'uuid()::VARCHAR')} FROM base) TO ${quoteLiteral(join(p, 'compacted.parquet'))} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
  // The open hour: batch files of 500 rows; 1 % of the rows repeat a log_id of the file before.
  const open = join(lakeDir, 'hits', partitionOf(new Date(hourStart + HOURS * HOUR_MS)));
  await mkdir(open, { recursive: true });
  await conn.run(
    `CREATE TABLE open_rows AS SELECT * REPLACE ('open-' || CASE WHEN i % 1000 BETWEEN 500 AND 509 THEN i - 500 ELSE i END AS log_id)
     FROM (SELECT ${shifted(HOURS, 'NULL')}, row_number() OVER () - 1 AS i FROM base, range(${Math.ceil((OPEN_FILES * 500) / ROWS_PER_HOUR)}) LIMIT ${OPEN_FILES * 500})`,
  );
  for (let f = 0; f < OPEN_FILES; f++) {
    await conn.run(
      `COPY (SELECT ${LAKE_COLUMNS.map((c) => quoteIdent(c.name)).join(', ')} FROM open_rows WHERE i // 500 = ${f}) TO ${quoteLiteral(join(open, `s-${String(f).padStart(6, '0')}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
} finally {
  conn.closeSync();
  instance.closeSync();
}

const lastHour = new Date(hourStart + HOURS * HOUR_MS);
const QUERIES: Record<string, string> = {
  count: 'SELECT count(*) FROM hits',
  by_app_status: 'SELECT app_id, status_code, count(*), avg(response_time_ms) FROM hits GROUP BY ALL',
  one_day_top_urls: `SELECT url, count(*) AS n FROM hits WHERE year = ${lastHour.getUTCFullYear()} AND month = ${lastHour.getUTCMonth() + 1} AND day = ${lastHour.getUTCDate()} GROUP BY url ORDER BY n DESC LIMIT 10`,
  open_hour_count: `SELECT count(*) FROM hits WHERE year = ${lastHour.getUTCFullYear()} AND month = ${lastHour.getUTCMonth() + 1} AND day = ${lastHour.getUTCDate()} AND hour = ${lastHour.getUTCHours()}`,
  select_star_limit: 'SELECT * FROM hits LIMIT 100',
};

/** The simplest correct view, measured against: one window over every row of the lake. */
function dedupAllSql(): string {
  const parts = PARTITION_COLUMNS.map((p) => quoteIdent(p.name));
  const hive = `{${PARTITION_COLUMNS.map((p) => `${quoteLiteral(p.name)}: INTEGER`).join(', ')}}`;
  return `CREATE OR REPLACE VIEW hits AS SELECT * EXCLUDE (filename)
    FROM read_parquet(${quoteLiteral(hitsGlob(lakeDir))}, hive_partitioning = true, hive_types = ${hive}, filename = true)
    QUALIFY row_number() OVER (PARTITION BY ${[...parts, 'log_id'].join(', ')} ORDER BY received_at, filename) = 1`;
}

type Mode = 'plain' | 'dedupAll' | 'dedupOpen';
const MODES: Mode[] = ['plain', 'dedupAll', 'dedupOpen'];
const viewSql: Record<Mode, string> = {
  plain: hitsViewSql(lakeDir, true, { dedup: false }),
  dedupAll: dedupAllSql(),
  dedupOpen: hitsViewSql(lakeDir, true),
};

async function timeView(mode: Mode) {
  const inst = await createMemoryDuckdb();
  const c = await inst.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    await c.run(viewSql[mode]);
    const out: Record<string, { ms: number; rows: string }> = {};
    for (const [name, sql] of Object.entries(QUERIES)) {
      const t = performance.now();
      const r = await c.runAndReadAll(sql);
      out[name] = { ms: performance.now() - t, rows: String(r.getRows()[0]?.[0]) };
    }
    return out;
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

const runs = Object.fromEntries(MODES.map((m) => [m, {} as Record<string, number[]>]));
const firstRows = Object.fromEntries(MODES.map((m) => [m, {} as Record<string, string>]));
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
      const t = await timeView(mode);
      for (const [q, v] of Object.entries(t)) {
        runs[mode][q] = [...(runs[mode][q] ?? []), v.ms];
        firstRows[mode][q] = v.rows;
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result = {
  lake: {
    compactedHours: HOURS,
    rowsPerHour: ROWS_PER_HOUR,
    openFiles: OPEN_FILES,
    openRows: OPEN_FILES * 500,
  },
  rounds: ROUNDS,
  queries: Object.fromEntries(
    Object.keys(QUERIES).map((q) => {
      const ms = Object.fromEntries(MODES.map((m) => [m, Math.round(median(runs[m][q]))]));
      return [
        q,
        {
          ms,
          ratioVsPlain: Object.fromEntries(
            MODES.slice(1).map((m) => [m, Number((median(runs[m][q]) / median(runs.plain[q])).toFixed(2))]),
          ),
          ...(q.endsWith('count')
            ? { rows: Object.fromEntries(MODES.map((m) => [m, firstRows[m][q]])) }
            : {}),
        },
      ];
    }),
  ),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
