import { describe, expect, it } from 'vitest';
import { useDuckdb } from '../../test/helpers/duckdb.ts';
import { batchName, compactedKey, hitsKey } from '../../transformer/lake/paths.ts';
import { LAKE_COLUMNS } from '../columns.ts';
import { partitionOf } from '../lake.ts';
import { quoteLiteral } from '../sql-quote.ts';
import { DEFAULT_SNOWFLAKE, snowflakeDdl, snowflakePartitionColumns } from './snowflake.ts';

const ddl = snowflakeDdl({ ...DEFAULT_SNOWFLAKE, lakeLocation: 's3://my-lake/' });
const table = ddl.slice(ddl.indexOf('CREATE EXTERNAL TABLE'));
/** `"NAME" TYPE AS (expr)` lines of the external table, as printed. */
const defs = [...table.matchAll(/^ {2}"(\w+)" ([\w(),]+) AS \((.+?)\)(?: COMMENT '[^']*')?,?$/gm)].map(
  (m) => ({
    name: m[1],
    type: m[2],
    expr: m[3],
  }),
);

const duck = useDuckdb();

/**
 * Evaluates the partition expressions exactly as `snowflakeDdl` prints them, in DuckDB, whose split_part has Snowflake's
 * semantics (1-based; '' when the part is out of range — checked below, and documented at
 * https://duckdb.org/docs/stable/sql/functions/text#split_partstring-separator-index and
 * https://docs.snowflake.com/en/sql-reference/functions/split_part). Only the names that differ
 * are mapped: METADATA$FILENAME becomes a literal and Snowflake's NUMBER(p,s) DuckDB's DECIMAL(p,s).
 */
async function evaluate(fileName: string): Promise<Record<string, number | null>> {
  const exprs = defs
    .slice(0, 4)
    .map(
      (c) =>
        `${c.expr.replaceAll('METADATA$FILENAME', quoteLiteral(fileName)).replaceAll('NUMBER(', 'DECIMAL(')} AS "${c.name}"`,
    );
  const reader = await duck().runAndReadAll(`SELECT ${exprs.join(', ')}`);
  const [row] = reader.getRowObjectsJS();
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : Number(v)]));
}

describe('snowflakeDdl', () => {
  it('declares partitions first, then every lake column in order with typed VALUE casts', () => {
    expect(defs.slice(0, 4).map((d) => d.name)).toEqual(['YEAR', 'MONTH', 'DAY', 'HOUR']);
    const cols = defs.slice(4);
    expect(cols.map((d) => d.name)).toEqual(LAKE_COLUMNS.map((c) => c.name.toUpperCase()));
    const byName = Object.fromEntries(cols.map((d) => [d.name, d]));
    expect(byName.STATUS_CODE).toMatchObject({ type: 'INTEGER', expr: 'VALUE:status_code::INTEGER' });
    expect(byName.STATUS).toMatchObject({ type: 'VARCHAR', expr: 'VALUE:status::VARCHAR' });
    expect(byName.TIMESTAMP.type).toBe('TIMESTAMP_NTZ');
    expect(byName.METADATA).toMatchObject({ type: 'VARIANT' });
    expect(byName.METADATA.expr).toContain('PARSE_JSON');
  });

  it('types the partition columns as the requirement does: NUMBER(4,0) year, NUMBER(2,0) month/day/hour', () => {
    expect(defs.slice(0, 4).map((d) => [d.name, d.type])).toEqual([
      ['YEAR', 'NUMBER(4,0)'],
      ['MONTH', 'NUMBER(2,0)'],
      ['DAY', 'NUMBER(2,0)'],
      ['HOUR', 'NUMBER(2,0)'],
    ]);
    expect(defs.slice(0, 4).map((d) => d.expr)).toEqual(snowflakePartitionColumns().map((c) => c.expr));
  });

  it('keeps user_agent and client_ip nullable (no NOT NULL on any external column)', () => {
    expect(table).not.toMatch(/NOT NULL/i);
    const byName = Object.fromEntries(defs.map((d) => [d.name, d]));
    expect(byName.USER_AGENT).toMatchObject({ type: 'VARCHAR', expr: 'VALUE:user_agent::VARCHAR' });
    expect(byName.CLIENT_IP).toMatchObject({ type: 'VARCHAR', expr: 'VALUE:client_ip::VARCHAR' });
  });

  it('reads a Parquet timestamp whichever documented form it takes in VALUE, microseconds when an integer', () => {
    for (const name of ['TIMESTAMP', 'RECEIVED_AT']) {
      const d = defs.find((x) => x.name === name);
      const col = name.toLowerCase();
      expect(d?.expr).toContain(
        `WHEN IS_INTEGER(VALUE:${col}) THEN TO_TIMESTAMP_NTZ(VALUE:${col}::NUMBER, 6)`,
      );
      expect(d?.expr).toContain(`CONVERT_TIMEZONE('UTC', VALUE:${col}::TIMESTAMP_TZ)::TIMESTAMP_NTZ`);
      expect(d?.expr).toMatch(new RegExp(`ELSE VALUE:${col}::TIMESTAMP_NTZ END$`));
    }
  });

  it('uses no regular expression in a partition expression (Snowflake refuses them there)', () => {
    for (const c of snowflakePartitionColumns()) expect(c.expr).not.toMatch(/REGEXP|RLIKE/i);
  });

  it('DuckDB split_part has the semantics the expressions rely on (1-based, empty when out of range)', async () => {
    const r = await duck().runAndReadAll(
      "SELECT split_part('a/b', '/', 1) AS first, split_part('a/b', '/', 3) AS past, split_part('abc', 'x=', 2) AS missing",
    );
    expect(r.getRowObjectsJS()).toEqual([{ first: 'a', past: '', missing: '' }]);
  });

  // File names as the writer makes them, for hours that stress zero padding and year boundaries.
  const hours = ['2026-01-02T03:00:00Z', '2026-12-31T23:59:59Z', '2027-10-09T00:30:00Z'];
  const stagePrefixes = [
    ['the stage at the bucket root (name relative to the stage URL)', ''],
    ['the stage prefix hits/ included in the name', ''],
    ['a lake under a deeper prefix', 'analytics/prod/'],
  ] as const;

  for (const [label, prefix] of stagePrefixes) {
    it(`parses year/month/day/hour by key for ${label}`, async () => {
      for (const iso of hours) {
        const ts = new Date(iso);
        const partition = partitionOf(ts);
        const written = [
          hitsKey(partition, batchName('shardId-000000000001', '49650', '49659')),
          compactedKey(partition),
        ];
        for (const key of written) {
          // hitsKey is the key inside the bucket (`hits/year=…`); relative to the stage URL it loses `hits/`.
          const name = label.startsWith('the stage at the bucket root')
            ? key.slice('hits/'.length)
            : `${prefix}${key}`;
          expect(await evaluate(name), name).toEqual({
            YEAR: ts.getUTCFullYear(),
            MONTH: ts.getUTCMonth() + 1,
            DAY: ts.getUTCDate(),
            HOUR: ts.getUTCHours(),
          });
        }
      }
    });
  }

  it('sets the parquet file format on the table itself, auto-refresh and the partition key', () => {
    expect(table).toContain('FILE_FORMAT = (TYPE = PARQUET)');
    expect(table).toContain('AUTO_REFRESH = TRUE');
    expect(table).toContain('PARTITION BY ("YEAR", "MONTH", "DAY", "HOUR")');
    expect(ddl).toContain("URL = 's3://my-lake/hits/'");
    expect(ddl).toContain("STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/alt-dev-snowflake'");
  });

  it('pins the external id on the integration when one is given', () => {
    const pinned = snowflakeDdl({ ...DEFAULT_SNOWFLAKE, externalId: "alt-prod-'x'" });
    expect(pinned).toMatch(
      /STORAGE_AWS_ROLE_ARN = '[^']+'\n {2}STORAGE_AWS_EXTERNAL_ID = 'alt-prod-''x'''\n {2}STORAGE_ALLOWED_LOCATIONS/,
    );
    expect(ddl).not.toMatch(/^ {2}STORAGE_AWS_EXTERNAL_ID =/m);
  });
});
