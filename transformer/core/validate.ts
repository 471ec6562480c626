/**
 * Parse + validate one NDJSON line against `StreamRowSchema`. Bad data is an outcome, never an
 * exception: the caller routes `bad` lines to `bad/` with the reason.
 *
 * What this accepts, the DuckDB writer must be able to write: DuckDB parses the same bytes again
 * with a stricter parser, and a line it refuses would fail its whole batch on every retry (a stuck
 * shard). So beyond the schema this refuses what JSON.parse and Date.parse let through but DuckDB
 * does not: lone UTF-16 surrogates (`"\ud800"`) and impossible dates (`2025-02-30`, `T24:00`).
 * Invalid UTF-8 is refused before decoding (`plan.ts`); duplicate keys are written as JSON.parse
 * reads them (the last wins) by the writer's canonical retry (`parquet/duckdb.ts`).
 */
import { Ajv } from 'ajv';
import { type LakeRow, StreamRowSchema } from '../../schemas/lake.ts';
import { compileRowCheck } from './row-check.ts';

/** `timestampMs`: `row.timestamp` in epoch ms, parsed once here for the partition and rollups. */
export type LineValidation = { ok: true; row: LakeRow; timestampMs: number } | { ok: false; reason: string };

const ajv = new Ajv({ allErrors: false, strict: false });
const check = ajv.compile<LakeRow>(StreamRowSchema as object);
/** The fast yes/no; ajv words the reason on a no (`row-check.ts`). */
const isLakeRow = compileRowCheck(StreamRowSchema) as (value: unknown) => value is LakeRow;

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const num2 = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch ms of a timestamp the schema pattern already admitted (`YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z`), or
 * NaN when it names no real instant: month 13, day 30 of February and hour 24 all fail here, where
 * Date.parse rolls some of them over into the next day or month. Fractions below 1 ms truncate, as
 * Date.parse does.
 */
export function instantOf(ts: string): number {
  const y = digit(ts, 0) * 1000 + digit(ts, 1) * 100 + num2(ts, 2);
  const mo = num2(ts, 5);
  const d = num2(ts, 8);
  const h = num2(ts, 11);
  const mi = num2(ts, 14);
  const s = num2(ts, 17);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return Number.NaN;
  if (d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1])) return Number.NaN;
  let ms = 0;
  if (ts.charCodeAt(19) === 46 /* . */) {
    for (let i = 20, scale = 100; i < 23 && ts.charCodeAt(i) !== 90; /* Z */ i++, scale /= 10) {
      ms += digit(ts, i) * scale;
    }
  }
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms;
}

/** The first string value holding a lone surrogate, by column name. */
function illFormedColumn(row: LakeRow): string | undefined {
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'string' && !(v as unknown as { isWellFormed(): boolean }).isWellFormed()) return k;
  }
  return undefined;
}

export function validateLine(line: string): LineValidation {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (!isLakeRow(value)) {
    if (check(value)) return { ok: false, reason: 'schema: refused by the row check, not by ajv (a bug)' };
    const e = check.errors?.[0];
    const where = e?.instancePath || '/';
    const extra = e?.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return { ok: false, reason: `schema: ${where} ${e?.message ?? 'invalid'}${extra}` };
  }
  // The pattern admits impossible dates (month 13); the hour partition needs a real instant.
  const timestampMs = instantOf(value.timestamp);
  if (Number.isNaN(timestampMs) || Number.isNaN(instantOf(value.received_at))) {
    return { ok: false, reason: 'schema: timestamp is not a real date' };
  }
  // A lone surrogate can only arrive as a \u escape: lines are decoded from valid UTF-8.
  if (line.indexOf('\\u') !== -1) {
    const col = illFormedColumn(value);
    if (col) return { ok: false, reason: `schema: /${col} holds a lone UTF-16 surrogate` };
  }
  return { ok: true, row: value, timestampMs };
}
