/**
 * `hits_hourly` is defined once (`rollups.ts`); these guard the places that derive it: the Aurora
 * DDL, the rollup store's upserts and the DuckDB table of `alt query` name the same columns in the
 * same order, with matching types.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDuckdbEngine } from '../query/duckdb-engine.ts';
import { UPSERT_SQL } from '../transformer/rollups/sql-store.ts';
import { auroraMigrations } from './ddl/aurora.ts';
import { ROLLUP_COLUMNS, ROLLUP_TABLE } from './rollups.ts';
import { DUCKDB_TYPE, POSTGRES_TYPE } from './types.ts';

/** `name type` of each column line of the `CREATE TABLE hits_hourly` in the migrations. */
function auroraColumns(): { name: string; type: string }[] {
  const sql = auroraMigrations()
    .map((m) => m.sql)
    .join('\n');
  const body = new RegExp(
    `CREATE TABLE IF NOT EXISTS ${ROLLUP_TABLE} \\(\\n([\\s\\S]*?)\\n\\) PARTITION BY`,
  ).exec(sql);
  expect(body, 'no CREATE TABLE hits_hourly in the migrations').not.toBeNull();
  return body![1]
    .split('\n')
    .map((line) => /^ {2}([a-z_]+) ([a-z[\]]+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'CONSTRAINT' && m[1] !== 'CHECK')
    .map((m) => ({ name: m[1], type: m[2] }));
}

const insertColumns = (sql: string) =>
  new RegExp(`INSERT INTO ${ROLLUP_TABLE} \\(([^)]*)\\)`)
    .exec(sql)![1]
    .split(', ')
    .map((c) => c.trim());

describe('hits_hourly columns', () => {
  const names = ROLLUP_COLUMNS.map((c) => c.name);

  it('the Aurora DDL creates the defined columns in order, with their PostgreSQL types', () => {
    expect(auroraColumns()).toEqual(
      ROLLUP_COLUMNS.map((c) => ({ name: c.name, type: POSTGRES_TYPE[c.type] })),
    );
  });

  it('both upserts write every column in the DDL order', () => {
    const ddl = auroraColumns().map((c) => c.name);
    expect(ddl).toEqual(names);
    expect(insertColumns(UPSERT_SQL.add)).toEqual(ddl);
    expect(insertColumns(UPSERT_SQL.set)).toEqual(ddl);
  });

  it("alt query's DuckDB hits_hourly has the DDL's columns in order, with their DuckDB types", async () => {
    const lakeDir = await mkdtemp(join(tmpdir(), 'alt-rollup-cols-'));
    const engine = await createDuckdbEngine({ lakeDir });
    try {
      const r = await engine.run(`SELECT * FROM ${ROLLUP_TABLE}`);
      // DuckDB spells types its own way (TIMESTAMPTZ reads back as TIMESTAMP WITH TIME ZONE): ask it.
      const casts = auroraColumns().map(
        (c, i) => `CAST(NULL AS ${DUCKDB_TYPE[ROLLUP_COLUMNS[i].type]}) AS ${c.name}`,
      );
      const expected = await engine.run(`SELECT ${casts.join(', ')}`);
      expect(r.columns).toEqual(expected.columns);
    } finally {
      await engine.close();
      await rm(lakeDir, { recursive: true, force: true });
    }
  });
});
