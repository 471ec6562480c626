/**
 * The appender variant: JS feeds parsed rows into a typed DuckDB table through the appender, then
 * `COPY`s it. Kept for the benchmark comparison (it is slower than letting DuckDB parse the NDJSON).
 */
import { DuckDBTimestampTZValue } from '@duckdb/node-api';
import { LAKE_COLUMNS } from '../../schemas/columns.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { openDuckdb, PARQUET_OPTIONS, SELECT_COLUMNS, TABLE_COLUMNS } from './duckdb-sql.ts';
import { isoToMicros, type ParquetWriter, parseRows, type RowsInput } from './writer.ts';

export async function createDuckdbAppenderWriter(): Promise<ParquetWriter> {
  const db = await openDuckdb();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: 'duckdb-appender',
    write(input: RowsInput, file: string) {
      const run = async () => {
        await db.conn.run(`CREATE OR REPLACE TEMP TABLE batch (${TABLE_COLUMNS})`);
        const app = await db.conn.createAppender('batch');
        for (const row of parseRows(input)) {
          for (const c of LAKE_COLUMNS) {
            const v = row[c.name];
            if (v === null || v === undefined) app.appendNull();
            else if (c.type === 'int32') app.appendInteger(v as number);
            else if (c.type === 'double') app.appendDouble(v as number);
            else if (c.type === 'boolean') app.appendBoolean(v as boolean);
            else if (c.type === 'timestamp')
              app.appendTimestampTZ(new DuckDBTimestampTZValue(isoToMicros(v as string)));
            else app.appendVarchar(v as string);
          }
          app.endRow();
        }
        app.closeSync();
        await db.conn.run(
          `COPY (SELECT ${SELECT_COLUMNS} FROM batch) TO ${quoteLiteral(file)} ${PARQUET_OPTIONS}`,
        );
        await db.conn.run('DROP TABLE batch');
      };
      const p = queue.then(run, run);
      queue = p.catch(() => {});
      return p;
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
