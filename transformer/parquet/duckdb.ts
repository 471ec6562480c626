/**
 * The default writer: DuckDB parses the NDJSON lines itself (`read_json` with the explicit lake
 * columns) and `COPY`s them to ZSTD Parquet. Parsing in C++ rather than feeding values through JS
 * is what makes it fast (see bench/transformer.ts). TIMESTAMPTZ columns come out as
 * TIMESTAMP(MICROS, isAdjustedToUTC=true).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckdb, PARQUET_OPTIONS, quoteLiteral, readJsonSql, SELECT_COLUMNS } from './duckdb-sql.ts';
import type { ParquetWriter, RowsInput } from './writer.ts';

export async function createDuckdbWriter(): Promise<ParquetWriter> {
  const db = await openDuckdb();
  const dir = await mkdtemp(join(tmpdir(), 'alt-duckdb-'));
  let n = 0;
  // One connection: writes run one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: 'duckdb',
    write(input: RowsInput, file: string) {
      const run = async () => {
        const ndjson = join(dir, `in-${n++}.ndjson`);
        await writeFile(ndjson, input.ndjson);
        try {
          await db.conn.run(
            `COPY (SELECT ${SELECT_COLUMNS} FROM ${readJsonSql(ndjson)}) TO ${quoteLiteral(file)} ${PARQUET_OPTIONS}`,
          );
        } finally {
          await rm(ndjson, { force: true });
        }
      };
      const p = queue.then(run, run);
      queue = p.catch(() => {});
      return p;
    },
    async close() {
      await queue;
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
