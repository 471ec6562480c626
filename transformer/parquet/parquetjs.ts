/**
 * The pure-JavaScript writer (`parquetjs-lite`), for places where DuckDB's native binding is
 * unwelcome. parquetjs-lite has no ZSTD codec (GZIP, SNAPPY, BROTLI only), so it writes GZIP.
 *
 * parquetjs-lite writes only legacy converted types. Its thrift model knows the newer LogicalType,
 * so timestamp columns get `TIMESTAMP(isAdjustedToUTC=true, MICROS)` added at footer-write time
 * (below): without it DuckDB reads them as zone-less TIMESTAMP. All columns are OPTIONAL, as in
 * DuckDB's output, so both writers give byte-for-byte the same schema.
 */
import { createRequire } from 'node:module';
import { type ColumnType, LAKE_COLUMNS, SCHEMA_VERSION } from '../../schemas/columns.ts';
import { isoToMicros, type ParquetWriter, parseRows, type RowsInput } from './writer.ts';

interface PqWriter {
  appendRow(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
interface ParquetJs {
  ParquetSchema: new (fields: Record<string, unknown>) => unknown;
  ParquetWriter: {
    openFile(schema: unknown, path: string, opts?: Record<string, unknown>): Promise<PqWriter>;
  };
}

const require = createRequire(import.meta.url);
const parquet = require('parquetjs-lite') as ParquetJs;

// biome-ignore lint/suspicious/noExplicitAny: untyped generated thrift classes
const thrift = require('parquetjs-lite/gen-nodejs/parquet_types') as any;
if (!thrift.SchemaElement.prototype.__altLogicalTypes) {
  const write = thrift.SchemaElement.prototype.write;
  thrift.SchemaElement.prototype.write = function (this: Record<string, unknown>, output: unknown) {
    if (this.converted_type === thrift.ConvertedType.TIMESTAMP_MICROS && !this.logicalType) {
      this.logicalType = new thrift.LogicalType({
        TIMESTAMP: new thrift.TimestampType({
          isAdjustedToUTC: true,
          unit: new thrift.TimeUnit({ MICROS: new thrift.MicroSeconds() }),
        }),
      });
    }
    return write.call(this, output);
  };
  thrift.SchemaElement.prototype.__altLogicalTypes = true;
}

export const PARQUETJS_COMPRESSION = 'GZIP';

const PQ_TYPE: Record<ColumnType, string> = {
  string: 'UTF8',
  json: 'UTF8',
  int32: 'INT_32',
  double: 'DOUBLE',
  timestamp: 'TIMESTAMP_MICROS',
  boolean: 'BOOLEAN',
};

const schema = new parquet.ParquetSchema(
  Object.fromEntries(
    LAKE_COLUMNS.map((c) => [
      c.name,
      { type: PQ_TYPE[c.type], optional: true, compression: PARQUETJS_COMPRESSION },
    ]),
  ),
);

export async function createParquetjsWriter(): Promise<ParquetWriter> {
  return {
    name: 'parquetjs',
    async write(input: RowsInput, file: string) {
      const w = await parquet.ParquetWriter.openFile(schema, file, { rowGroupSize: 1_000_000 });
      for (const row of parseRows(input)) {
        const out: Record<string, unknown> = {};
        for (const c of LAKE_COLUMNS) {
          // The file's version, as the DuckDB writers' SELECT_COLUMNS write it.
          const v = c.name === 'schema_version' ? SCHEMA_VERSION : row[c.name];
          if (v === null || v === undefined) continue;
          out[c.name] = c.type === 'timestamp' ? isoToMicros(v as string) : v;
        }
        await w.appendRow(out);
      }
      await w.close();
    },
    async close() {},
  };
}
