/**
 * The lake row as it travels between collector and transformer (one NDJSON line in a stream
 * record) and as the Parquet writers receive it. Derived from `LAKE_COLUMNS`.
 */
import Type, { type TSchema } from 'typebox';
import { APP_STATUSES, type ColumnType, EVENT_TYPES, LAKE_COLUMNS, SOURCES } from './columns.ts';

type TsOf<T extends ColumnType> = T extends 'string' | 'json'
  ? string
  : T extends 'int32'
    ? number
    : T extends 'timestamp'
      ? string
      : boolean;

/**
 * One row. Timestamps are ISO-8601 UTC strings with millisecond (or finer) precision, so DuckDB
 * parses them natively; `metadata` is JSON text.
 */
export type LakeRow = {
  [C in (typeof LAKE_COLUMNS)[number] as C['name']]: C['nullable'] extends true
    ? TsOf<C['type']> | null
    : TsOf<C['type']>;
};

export const LAKE_COLUMN_NAMES: readonly (keyof LakeRow)[] = LAKE_COLUMNS.map((c) => c.name);

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
    case 'timestamp':
      return Type.String({ pattern: ISO_UTC });
    case 'boolean':
      return Type.Boolean();
  }
}

/** JSON Schema of a lake row, used by the transformer to validate what it decodes. */
export const LakeRowSchema = Type.Object(
  Object.fromEntries(
    LAKE_COLUMNS.map((c) => {
      const v = valueSchema(c.name, c.type);
      return [c.name, c.nullable ? Type.Union([v, Type.Null()]) : v];
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
