import { describe, expect, it } from 'vitest';
import { batchName, hitsKey } from '../../transformer/lake/paths.ts';
import { LAKE_COLUMNS, LAKE_FIRST_YEAR, PARTITION_COLUMNS } from '../columns.ts';
import { partitionOf } from '../lake.ts';
import { athenaDdl, projectionParameters, projectionYears } from './athena.ts';

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

  /** The values Athena projects for a column: its integer range, padded to `digits`. */
  function projected(params: Record<string, string>, name: string): string[] {
    const [min, max] = params[`projection.${name}.range`].split(',').map(Number);
    const digits = Number(params[`projection.${name}.digits`] ?? 1);
    return Array.from({ length: max - min + 1 }, (_, i) => String(min + i).padStart(digits, '0'));
  }

  /** Every location the projection can produce, as a set of `hits/…/` keys. */
  function locations(params: Record<string, string>): number {
    return PARTITION_COLUMNS.reduce((n, p) => n * projected(params, p.name).length, 1);
  }

  it('projects the lake first year to next year only: thousands of hour partitions, not ~723k', () => {
    const now = new Date('2026-12-05T23:00:00Z');
    const params = projectionParameters('s3://my-lake/', projectionYears(now));
    expect(params['projection.year.range']).toBe(`${LAKE_FIRST_YEAR},2027`);
    // 2 years × 12 months × 31 days × 24 hours.
    expect(locations(params)).toBe(2 * 12 * 31 * 24);
    // The default (used by the stack and `alt ddl athena`) follows the clock the same way.
    const year = new Date().getUTCFullYear();
    expect(projectionParameters('s3://my-lake/')['projection.year.range']).toBe(
      `${Math.min(LAKE_FIRST_YEAR, year)},${year + 1}`,
    );
    expect(locations(projectionParameters('s3://my-lake/'))).toBeLessThanOrEqual(
      (year + 2 - LAKE_FIRST_YEAR) * 12 * 31 * 24,
    );
  });

  it("covers every hour the writer can name from now to the end of next year, with the writer's padding", () => {
    const now = new Date();
    const params = projectionParameters('s3://my-lake/', projectionYears(now));
    const template = params['storage.location.template'];
    const all = new Set<string>();
    const values = Object.fromEntries(PARTITION_COLUMNS.map((p) => [p.name, projected(params, p.name)]));
    for (const y of values.year)
      for (const mo of values.month)
        for (const d of values.day)
          for (const h of values.hour)
            all.add(
              template.replace(
                /\$\{(\w+)\}/g,
                (_, n: string) => ({ year: y, month: mo, day: d, hour: h })[n] ?? '',
              ),
            );
    const endOfNextYear = Date.UTC(now.getUTCFullYear() + 1, 11, 31, 23);
    for (
      let t = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      t <= endOfNextYear;
      t += 7 * 3_600_000 + 60_000
    ) {
      const key = hitsKey(partitionOf(new Date(t)), batchName('shardId-000000000000', '1', '2'));
      expect(all.has(`s3://my-lake/${key.slice(0, key.lastIndexOf('/') + 1)}`), key).toBe(true);
    }
  });
});
