/**
 * A design question answered by measurement, kept so the answer can be re-checked: would the
 * transformer's core be faster on one core if DuckDB did the validation, dedupe checks and rollups
 * instead of JS (`JSON.parse` + the row check + the rollup accumulator)? Per 50k-hit batch, three
 * ways, interleaved: the current path (`planBatch` + the DuckDB writer); a DuckDB-side core (JS only
 * gunzips the records and writes the NDJSON; DuckDB loads it into a temp table, runs approximate
 * schema checks in SQL, the rollup GROUP BY, then COPY); and the floor of any such design (gunzip +
 * DuckDB's own read_json → COPY, no checks, no rollups).
 *
 *   taskset -c 0 npx tsx bench/experiments/duckdb-side-core.ts
 *
 * 2026-12-05, one core, two runs of 3 rounds: current 98k–127k, DuckDB-side 102k–133k, floor
 * 170k–246k hits/s — the DuckDB-side core is no faster to speak of (its temp table, regex checks and
 * GROUP BY cost about what JS does), and its checks here are fewer than the real validator's (no
 * unknown keys, strict dates or lone surrogates), so the JS core stays. See docs/transformer.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAKE_COUNTERS, LATENCY_BUCKETS_MS, ROLLUP_DIMENSIONS } from '../../schemas/rollups.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { EnvelopeKind, encodeEnvelope, openEnvelope } from '../../stream/envelope.ts';
import { planBatch } from '../../transformer/core/plan.ts';
import {
  openDuckdb,
  PARQUET_OPTIONS,
  readJsonSql,
  SELECT_COLUMNS,
} from '../../transformer/parquet/duckdb-sql.ts';
import { createWriter } from '../../transformer/parquet/index.ts';
import { hourStart, makeRow } from '../lib/lake-rows.ts';

const batches = [];
for (let b = 0; b < 8; b++) {
  const records = [];
  for (let r = 0; r < 100; r++) {
    let s = '';
    for (let j = 0; j < 500; j++) s += `${JSON.stringify(makeRow(b * 50000 + r * 500 + j))}\n`;
    records.push({
      shardId: 's',
      sequenceNumber: String(b * 100 + r).padStart(20, '0'),
      arrivedAt: new Date(hourStart),
      data: encodeEnvelope(EnvelopeKind.LAKE_ROWS, s),
    });
  }
  batches.push({ shardId: 's', records });
}
const dir = await mkdtemp(join(tmpdir(), 'ds-'));
const duck = await openDuckdb();
const w = await createWriter('duckdb');
const CHECKS = [
  `regexp_full_match(app_id, '^alt_[0-9A-Za-z]{22}$')`,
  `regexp_full_match(log_id, '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')`,
  `event_type IN ('pageview','event','request')`,
  `source IN ('beacon','pixel','server')`,
  `(status IS NULL OR status IN ('RUNNING','SUCCEEDED','FAILED'))`,
  `(url IS NULL OR (length(url) <= 2048 AND regexp_matches(url, '^https?://')))`,
  `(referrer IS NULL OR (length(referrer) <= 2048 AND regexp_matches(referrer, '^https?://')))`,
  `NOT regexp_matches(coalesce(user_agent,'') || coalesce(event_name,'') || coalesce(client_sub_id,'') || coalesce(module_id,''), '[\\x00-\\x1f]')`,
  `(metadata IS NULL OR (length(metadata) <= 4096 AND json_valid(metadata)))`,
  `schema_version = 1`,
  `(response_time_ms IS NULL OR response_time_ms >= 0)`,
].join(' AND ');
for (let round = 0; round < 3; round++) {
  let t0 = performance.now();
  for (const [i, b] of batches.entries()) {
    const p = planBatch(b);
    for (const g of p.partitions) await w.write(g, join(dir, `a${i}.parquet`));
  }
  const a = 400000 / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const [i, b] of batches.entries()) {
    const parts: Buffer[] = [];
    for (const r of b.records) {
      const o = openEnvelope(r.data);
      if (o.ok) parts.push(o.body);
    }
    const f = join(dir, `in${i}.ndjson`);
    await writeFile(f, parts);
    await duck.conn.run(`CREATE OR REPLACE TEMP TABLE b AS SELECT * FROM ${readJsonSql(f)}`);
    const bad = await duck.conn.runAndReadAll(
      `SELECT count(*) FILTER (WHERE NOT (${CHECKS}))::INT AS bad, count(DISTINCT log_id)::INT AS u, count(*)::INT AS n FROM b`,
    );
    void bad.getRowObjectsJS();
    const agg =
      await duck.conn.runAndReadAll(`SELECT app_id, ${ROLLUP_DIMENSIONS.join(', ')}, date_trunc('hour', "timestamp") AS h,
      CASE WHEN response_time_ms IS NULL THEN NULL ELSE len(list_filter([${LATENCY_BUCKETS_MS.join(', ')}], x -> x < response_time_ms)) END AS bucket,
      ${LAKE_COUNTERS.map((c) => `${c.lake} AS ${c.name}`).join(', ')} FROM b GROUP BY ALL`);
    void agg.getRowObjectsJS();
    await duck.conn.run(
      `COPY (SELECT ${SELECT_COLUMNS} FROM b) TO ${quoteLiteral(join(dir, `b${i}.parquet`))} ${PARQUET_OPTIONS}`,
    );
    await rm(f);
  }
  const bb = 400000 / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (const [i] of batches.entries()) {
    const f = join(dir, `c${i}.ndjson`);
    const parts: Buffer[] = [];
    for (const r of batches[i].records) {
      const o = openEnvelope(r.data);
      if (o.ok) parts.push(o.body);
    }
    await writeFile(f, parts);
    await duck.conn.run(
      `COPY (SELECT ${SELECT_COLUMNS} FROM ${readJsonSql(f)}) TO ${quoteLiteral(join(dir, `c${i}.parquet`))} ${PARQUET_OPTIONS}`,
    );
    await rm(f);
  }
  const c = 400000 / ((performance.now() - t0) / 1000);
  console.log(
    `round ${round}: current ${Math.round(a)} | duckdb-side ${Math.round(bb)} | gunzip+read_json→COPY ${Math.round(c)} hits/s`,
  );
}
await w.close();
duck.close();
await rm(dir, { recursive: true, force: true });
