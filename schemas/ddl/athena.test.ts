import { describe, expect, it } from 'vitest';
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../columns.ts';
import { partitionOf } from '../lake.ts';
import { athenaDdl, projectionParameters } from './athena.ts';

const ddl = athenaDdl({ database: 'analytics', table: 'hits', lakeLocation: 's3://my-lake/' });

/** Column definitions between the first `(` and `PARTITIONED BY`, as [name, type]. */
function columns(sql: string): [string, string][] {
  const body = sql.slice(sql.indexOf('(\n') + 2, sql.indexOf('\n)\nPARTITIONED BY'));
  return body.split(',\n').map((line) => {
    const m = /^\s*`(\w+)` (\w+)/.exec(line);
    if (!m) throw new Error(`unparsed column line: ${line}`);
    return [m[1], m[2]];
  });
}

describe('athenaDdl', () => {
  it('names every lake column in order with its Athena type', () => {
    expect(columns(ddl).map(([n]) => n)).toEqual(LAKE_COLUMNS.map((c) => c.name));
    const types = Object.fromEntries(columns(ddl));
    expect(types).toMatchObject({
      log_id: 'string',
      timestamp: 'timestamp',
      received_at: 'timestamp',
      status_code: 'int',
      status: 'string',
      response_time_ms: 'int',
      is_bot: 'boolean',
      schema_version: 'int',
      metadata: 'string',
    });
  });

  it('keeps status_code (number) and status (text) as two columns', () => {
    expect(ddl).toMatch(/`status_code` int /);
    expect(ddl).toMatch(/`status` string /);
  });

  it('partitions by year, month, day, hour as integers, none of them stored in the files', () => {
    expect(ddl).toContain('PARTITIONED BY (`year` int, `month` int, `day` int, `hour` int)');
    for (const p of PARTITION_COLUMNS) expect(columns(ddl).map(([n]) => n)).not.toContain(p.name);
  });

  it('projects partitions onto exactly the paths the writer produces (zero-padded)', () => {
    const params = projectionParameters('s3://my-lake/');
    expect(params['projection.month.digits']).toBe('2');
    expect(params['projection.day.digits']).toBe('2');
    expect(params['projection.hour.digits']).toBe('2');
    // Render the template the way Athena does (integer projection with `digits` padding).
    const ts = new Date('2026-03-04T05:06:07Z');
    const values: Record<string, number> = { year: 2026, month: 3, day: 4, hour: 5 };
    const rendered = params['storage.location.template'].replace(/\$\{(\w+)\}/g, (_, name: string) =>
      String(values[name]).padStart(Number(params[`projection.${name}.digits`] ?? 1), '0'),
    );
    expect(rendered).toBe(`s3://my-lake/hits/${partitionOf(ts)}/`);
    expect(ddl).toContain("LOCATION 's3://my-lake/hits/'");
  });
});
