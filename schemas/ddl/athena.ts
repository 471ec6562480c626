/** Athena / Glue external table over `s3://<bucket>/hits/` with partition projection (DESIGN §6). */
import { LAKE_COLUMNS, PARTITION_COLUMNS } from '../columns.ts';
import { ATHENA_TYPE } from '../types.ts';

export interface AthenaDdlOptions {
  database: string;
  table: string;
  /** `s3://bucket/prefix/` under which `hits/` lives; must end with `/`. */
  lakeLocation: string;
}

export const DEFAULT_ATHENA: AthenaDdlOptions = {
  database: 'alt',
  table: 'hits',
  lakeLocation: 's3://alt-lake-dev/',
};

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Glue table parameters for partition projection: shared by the DDL and the Pulumi Glue table. */
export function projectionParameters(lakeLocation: string): Record<string, string> {
  const params: Record<string, string> = { 'projection.enabled': 'true' };
  for (const p of PARTITION_COLUMNS) {
    params[`projection.${p.name}.type`] = 'integer';
    params[`projection.${p.name}.range`] = `${p.min},${p.max}`;
    if (p.digits > 1) params[`projection.${p.name}.digits`] = String(p.digits);
  }
  params['storage.location.template'] =
    `${lakeLocation}hits/${PARTITION_COLUMNS.map((p) => `${p.name}=\${${p.name}}`).join('/')}/`;
  params['parquet.compression'] = 'ZSTD';
  params.classification = 'parquet';
  return params;
}

export function athenaDdl(opts: AthenaDdlOptions = DEFAULT_ATHENA): string {
  const cols = LAKE_COLUMNS.map((c) => `  \`${c.name}\` ${ATHENA_TYPE[c.type]} COMMENT ${sqlString(c.doc)}`);
  const parts = PARTITION_COLUMNS.map((p) => `\`${p.name}\` int`);
  const props = Object.entries(projectionParameters(opts.lakeLocation)).map(
    ([k, v]) => `  ${sqlString(k)}=${sqlString(v)}`,
  );
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${opts.database}\`.\`${opts.table}\` (`,
    cols.join(',\n'),
    ')',
    `PARTITIONED BY (${parts.join(', ')})`,
    'STORED AS PARQUET',
    `LOCATION ${sqlString(`${opts.lakeLocation}hits/`)}`,
    'TBLPROPERTIES (',
    props.join(',\n'),
    ');',
    '',
  ].join('\n');
}
