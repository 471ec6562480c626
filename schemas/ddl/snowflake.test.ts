import { describe, expect, it } from 'vitest';
import { LAKE_COLUMNS } from '../columns.ts';
import { partitionOf } from '../lake.ts';
import { DEFAULT_SNOWFLAKE, snowflakeDdl } from './snowflake.ts';

const ddl = snowflakeDdl({ ...DEFAULT_SNOWFLAKE, lakeLocation: 's3://my-lake/' });
const table = ddl.slice(ddl.indexOf('CREATE EXTERNAL TABLE'));
const defs = [...table.matchAll(/^ {2}"(\w+)" (\w+) AS \((.+?)\)(?: COMMENT|,?$)/gm)].map((m) => ({
  name: m[1],
  type: m[2],
  expr: m[3],
}));

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

  it('parses partitions from METADATA$FILENAME with SPLIT_PART, matching the writer paths', () => {
    expect(table).not.toMatch(/REGEXP/i);
    // Evaluate the SPLIT_PART expressions against a real file name relative to the stage URL.
    const file = `${partitionOf(new Date('2026-01-02T03:00:00Z'))}/shard-1-2.parquet`;
    const splitPart = (s: string, sep: string, i: number) => s.split(sep)[i - 1] ?? '';
    const values = defs.slice(0, 4).map((d) => {
      const m = /SPLIT_PART\(SPLIT_PART\(METADATA\$FILENAME, '\/', (\d)\), '=', 2\)::INTEGER/.exec(d.expr);
      if (!m) throw new Error(d.expr);
      return Number(splitPart(splitPart(file, '/', Number(m[1])), '=', 2));
    });
    expect(values).toEqual([2026, 1, 2, 3]);
  });

  it('sets the parquet file format on the table itself, auto-refresh and the partition key', () => {
    expect(table).toContain('FILE_FORMAT = (TYPE = PARQUET)');
    expect(table).toContain('AUTO_REFRESH = TRUE');
    expect(table).toContain('PARTITION BY ("YEAR", "MONTH", "DAY", "HOUR")');
    expect(ddl).toContain("URL = 's3://my-lake/hits/'");
    expect(ddl).toContain("STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/alt-dev-snowflake'");
  });
});
