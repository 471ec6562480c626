/**
 * One interface over the Parquet writers. Every writer produces the lake schema of DESIGN §3: the
 * columns of `LAKE_COLUMNS` in order, timestamps as INT64 TIMESTAMP(MICROS, UTC), INT32 integers,
 * BOOLEAN `is_bot`, UTF8 strings.
 */

import type { LakeRow } from '../../schemas/lake.ts';
import { forEachLine } from '../../stream/envelope.ts';

/** The rows of one file as validated NDJSON: chunks of whole, newline-terminated lines. */
export interface RowsInput {
  ndjson: readonly Uint8Array[];
  count: number;
}

/** Rows as objects, for writers that feed values from JS (the DuckDB default parses the bytes). */
export function parseRows(input: RowsInput): LakeRow[] {
  const rows: LakeRow[] = [];
  for (const chunk of input.ndjson) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    forEachLine(buf, (start, end) => rows.push(JSON.parse(buf.toString('utf8', start, end)) as LakeRow));
  }
  return rows;
}

/** The input for rows already in hand (tests, tools). */
export function rowsInput(rows: readonly LakeRow[]): RowsInput {
  return { ndjson: [Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''))], count: rows.length };
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
