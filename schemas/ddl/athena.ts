/** Athena / Glue external table over `s3://<bucket>/hits/` with partition projection (DESIGN §6). */
import { LAKE_COLUMNS, LAKE_FIRST_YEAR, PARTITION_COLUMNS } from '../columns.ts';
import { quoteLiteral } from '../sql-quote.ts';
import { ATHENA_TYPE } from '../types.ts';

/** Inclusive range of projected years. */
export interface ProjectionYears {
  first: number;
  last: number;
}

export interface AthenaDdlOptions {
  database: string;
  table: string;
  /** `s3://bucket/prefix/` under which `hits/` lives; must end with `/`. */
  lakeLocation: string;
  /** Projected years; default `projectionYears()` (first lake year to next year). */
  years?: ProjectionYears;
}

export const DEFAULT_ATHENA: AthenaDdlOptions = {
  database: 'alt',
  table: 'hits',
  lakeLocation: 's3://alt-lake-dev/',
};

/**
 * The lake's first year to next year, from the clock at render time (`alt ddl athena`, `pulumi up`).
 * Partition projection cannot split a date over year/month/day columns with the `date` type
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-choosing-partition-keys.html),
 * so the year stays an integer projection with a fixed range
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html), and a
 * value outside it returns no rows without an error: the range is re-rendered on every deploy and
 * reaches a year ahead, so a stack deployed at any time this year still sees next year's hits.
 */
export function projectionYears(now: Date = new Date(), first: number = LAKE_FIRST_YEAR): ProjectionYears {
  const year = now.getUTCFullYear();
  return { first: Math.min(first, year), last: year + 1 };
}

/** Glue table parameters for partition projection: shared by the DDL and the Pulumi Glue table. */
export function projectionParameters(
  lakeLocation: string,
  years: ProjectionYears = projectionYears(),
): Record<string, string> {
  const params: Record<string, string> = { 'projection.enabled': 'true' };
  for (const p of PARTITION_COLUMNS) {
    const [min, max] = p.max === null ? [years.first, years.last] : [p.min, p.max];
    params[`projection.${p.name}.type`] = 'integer';
    params[`projection.${p.name}.range`] = `${min},${max}`;
    // Zero padding comes only from `digits`; the writer pads month, day and hour to two.
    if (p.digits > 1) params[`projection.${p.name}.digits`] = String(p.digits);
  }
  params['storage.location.template'] =
    `${lakeLocation}hits/${PARTITION_COLUMNS.map((p) => `${p.name}=\${${p.name}}`).join('/')}/`;
  params['parquet.compression'] = 'ZSTD';
  params.classification = 'parquet';
  return params;
}

export function athenaDdl(opts: AthenaDdlOptions = DEFAULT_ATHENA): string {
  const cols = LAKE_COLUMNS.map(
    (c) => `  \`${c.name}\` ${ATHENA_TYPE[c.type]} COMMENT ${quoteLiteral(c.doc)}`,
  );
  const parts = PARTITION_COLUMNS.map((p) => `\`${p.name}\` int`);
  const props = Object.entries(projectionParameters(opts.lakeLocation, opts.years)).map(
    ([k, v]) => `  ${quoteLiteral(k)}=${quoteLiteral(v)}`,
  );
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${opts.database}\`.\`${opts.table}\` (`,
    cols.join(',\n'),
    ')',
    `PARTITIONED BY (${parts.join(', ')})`,
    'STORED AS PARQUET',
    `LOCATION ${quoteLiteral(`${opts.lakeLocation}hits/`)}`,
    'TBLPROPERTIES (',
    props.join(',\n'),
    ');',
    '',
  ].join('\n');
}
