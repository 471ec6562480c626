/**
 * The lake row as it travels between collector and transformer (one NDJSON line in a stream
 * record) and as the Parquet writers receive it. Derived from `LAKE_COLUMNS`.
 */
import Type, { type TSchema } from 'typebox';
import {
  APP_STATUSES,
  type Column,
  type ColumnType,
  EVENT_TYPES,
  LAKE_COLUMNS,
  SOURCES,
  TRANSFORMER_DERIVED_COLUMNS,
} from './columns.ts';

type TsOf<T extends ColumnType> = T extends 'string' | 'json'
  ? string
  : T extends 'int32' | 'double'
    ? number
    : T extends 'timestamp'
      ? string
      : boolean;

type Col = (typeof LAKE_COLUMNS)[number];
type ValueOf<C extends Col> = C['nullable'] extends true ? TsOf<C['type']> | null : TsOf<C['type']>;

/**
 * One row. Timestamps are ISO-8601 UTC strings with millisecond (or finer) precision, so DuckDB
 * parses them natively; `metadata` is JSON text. The schema-2 columns are optional: a row without
 * one (every stream line of a version-1 collector; the transformer's columns until it derives them)
 * writes it as NULL.
 */
export type LakeRow = { [C in Col as C['since'] extends 1 ? C['name'] : never]: ValueOf<C> } & {
  [C in Col as C['since'] extends 1 ? never : C['name']]?: ValueOf<C>;
};

export const LAKE_COLUMN_NAMES: readonly (keyof LakeRow)[] = LAKE_COLUMNS.map((c) => c.name);
/** The version-1 columns: what every stream line carries, and a version-1 file's columns. */
export const V1_COLUMN_NAMES: readonly (keyof LakeRow)[] = (LAKE_COLUMNS as readonly Column[])
  .filter((c) => c.since === 1)
  .map((c) => c.name as keyof LakeRow);

const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?Z$';

function valueSchema(name: string, type: ColumnType): TSchema {
  switch (name) {
    case 'event_type':
      return Type.Union(EVENT_TYPES.map((v) => Type.Literal(v)));
    case 'source':
      return Type.Union(SOURCES.map((v) => Type.Literal(v)));
    case 'status':
      return Type.Union(APP_STATUSES.map((v) => Type.Literal(v)));
  }
  switch (type) {
    case 'string':
    case 'json':
      return Type.String();
    case 'int32':
      return Type.Integer({ minimum: -2147483648, maximum: 2147483647 });
    case 'double':
      return Type.Number();
    case 'timestamp':
      return Type.String({ pattern: ISO_UTC });
    case 'boolean':
      return Type.Boolean();
  }
}

/**
 * JSON Schema of a stream line (a lake row as the collector writes it), used by the transformer to
 * validate what it decodes. Version-1 columns are required; the schema-2 columns the collector
 * writes (`country`, the Web Vitals) are optional, so lines of a version-1 collector (in the stream
 * during a deploy, or in `raw/` for `alt replay`) still pass. The columns the transformer derives
 * are not allowed: it appends them itself (`transformer/core/derive.ts`), and a line that already
 * carried one would hold the key twice, with a value nobody derived.
 */
export const StreamRowSchema = Type.Object(
  Object.fromEntries(
    (LAKE_COLUMNS as readonly Column[])
      .filter((c) => !(TRANSFORMER_DERIVED_COLUMNS as readonly string[]).includes(c.name))
      .map((c) => {
        const v = valueSchema(c.name, c.type);
        const value = c.nullable ? Type.Union([v, Type.Null()]) : v;
        return [c.name, c.since === 1 ? value : Type.Optional(value)];
      }),
  ),
  { additionalProperties: false },
);

/** Partition path of a row: `year=YYYY/month=MM/day=DD/hour=HH` from the UTC hour of `timestamp`. */
/** The one file compaction leaves in an hour partition (DESIGN §5); any other file there is newer. */
export const COMPACTED_FILE = 'compacted.parquet';

export function partitionOf(timestamp: string | Date): string {
  const d = typeof timestamp === 'string' ? new Date(timestamp) : timestamp;
  const p = (n: number) => String(n).padStart(2, '0');
  return `year=${d.getUTCFullYear()}/month=${p(d.getUTCMonth() + 1)}/day=${p(d.getUTCDate())}/hour=${p(d.getUTCHours())}`;
}
