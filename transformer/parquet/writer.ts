/**
 * One interface over the Parquet writers. Every writer produces the lake schema of DESIGN §3: the
 * columns of `LAKE_COLUMNS` in order, timestamps as INT64 TIMESTAMP(MICROS, UTC), INT32 integers,
 * BOOLEAN `is_bot`, UTF8 strings.
 */
import type { LakeRow } from '../../schemas/lake.ts';

/** The rows of one file: verbatim NDJSON lines and the same rows parsed (writers use either). */
export interface RowsInput {
  lines: readonly string[];
  rows: readonly LakeRow[];
}

export interface ParquetWriter {
  readonly name: 'duckdb' | 'duckdb-appender' | 'parquetjs';
  /** Writes a local Parquet file (created or replaced). */
  write(input: RowsInput, file: string): Promise<void>;
  close(): Promise<void>;
}

/** ISO-8601 UTC text (`…T03:04:05.123456Z`) → epoch microseconds, keeping sub-millisecond digits. */
export function isoToMicros(iso: string): bigint {
  const dot = iso.indexOf('.', 19);
  const whole = BigInt(Date.parse(`${iso.slice(0, 19)}Z`)) * 1000n;
  if (dot < 0) return whole;
  const frac = iso
    .slice(dot + 1, iso.length - 1)
    .padEnd(6, '0')
    .slice(0, 6);
  return whole + BigInt(frac);
}
