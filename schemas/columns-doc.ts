/**
 * The analysts' column tables in `docs/analysts-athena.md` and `docs/analysts-snowflake.md`, between
 * `<!-- lake-columns:start -->` and `<!-- lake-columns:end -->`: generated from `LAKE_COLUMNS` by
 * `npm run generate`, checked by `test/docs/columns-table.test.ts`.
 */
import { type Column, LAKE_COLUMNS, PARTITION_COLUMNS } from './columns.ts';
import { ATHENA_TYPE, SNOWFLAKE_TYPE } from './types.ts';

export type ColumnsDoc = 'athena' | 'snowflake';

/** The docs that hold a table, by engine. */
export const COLUMNS_DOCS: Record<ColumnsDoc, string> = {
  athena: 'analysts-athena.md',
  snowflake: 'analysts-snowflake.md',
};

const SET_BY: Record<NonNullable<Column['origin']>, string> = {
  collector: 'collector',
  transformer: 'transformer',
  web_vitals: 'beacon add-on',
};

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function columnsTable(engine: ColumnsDoc): string {
  const name = (n: string) => (engine === 'snowflake' ? `"${n.toUpperCase()}"` : n);
  const type = (c: Column) => (engine === 'snowflake' ? SNOWFLAKE_TYPE : ATHENA_TYPE)[c.type];
  const rows = (LAKE_COLUMNS as readonly Column[]).map(
    (c) =>
      `| \`${name(c.name)}\` | ${type(c)} | ${c.since}${c.origin ? ` (${SET_BY[c.origin]})` : ''} | ${cell(c.doc)} |`,
  );
  const partitions = PARTITION_COLUMNS.map(
    (p) =>
      `| \`${name(p.name)}\` | ${engine === 'snowflake' ? 'INTEGER' : 'int'} | path | partition, from the file's path |`,
  );
  return ['| column | type | schema version | meaning |', '|---|---|---|---|', ...rows, ...partitions].join(
    '\n',
  );
}

/** `text` with the table between its markers replaced (unchanged when it has none). */
export function withColumnsTable(text: string, engine: ColumnsDoc): string {
  return text.replace(
    /<!-- lake-columns:start -->\n[\s\S]*?<!-- lake-columns:end -->/,
    `<!-- lake-columns:start -->\n${columnsTable(engine)}\n<!-- lake-columns:end -->`,
  );
}
