import { createDuckdbWriter } from './duckdb.ts';
import { createDuckdbAppenderWriter } from './duckdb-appender.ts';
import type { DuckdbLimits } from './duckdb-sql.ts';
import { createParquetjsWriter } from './parquetjs.ts';
import type { ParquetWriter } from './writer.ts';

export { type ParquetWriter, parseRows, type RowsInput, rowsInput } from './writer.ts';
export { createDuckdbAppenderWriter, createDuckdbWriter, createParquetjsWriter };

export type WriterName = ParquetWriter['name'];

export function createWriter(name: WriterName = 'duckdb', limits?: DuckdbLimits): Promise<ParquetWriter> {
  if (name === 'parquetjs') return createParquetjsWriter();
  if (name === 'duckdb-appender') return createDuckdbAppenderWriter();
  return createDuckdbWriter(limits);
}
