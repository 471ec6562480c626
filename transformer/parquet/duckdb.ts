/**
 * The default writer: DuckDB parses the NDJSON lines itself (`read_json` with the explicit lake
 * columns) and `COPY`s them to ZSTD Parquet. Parsing in C++ rather than feeding values through JS
 * is what makes it fast (see bench/transformer.ts). TIMESTAMPTZ columns come out as
 * TIMESTAMP(MICROS, isAdjustedToUTC=true).
 *
 * DuckDB's JSON reader is stricter than the validator that admitted the lines (JSON.parse + the
 * schema): a line with a duplicate key parses in JS (the last wins) but fails DuckDB's whole file.
 * So when DuckDB refuses the bytes, the file is written once more from the rows re-serialised as
 * JSON.parse read them; the lake then holds exactly what was validated and counted in the rollups.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { type DuckdbLimits, openDuckdb, PARQUET_OPTIONS, readJsonSql, SELECT_COLUMNS } from './duckdb-sql.ts';
import { type ParquetWriter, parseRows, type RowsInput } from './writer.ts';

/** The rows as canonical NDJSON (`JSON.stringify` of each parsed line). */
function canonicalNdjson(input: RowsInput): Buffer {
  return Buffer.from(
    parseRows(input)
      .map((r) => `${JSON.stringify(r)}\n`)
      .join(''),
  );
}

export async function createDuckdbWriter(limits?: DuckdbLimits): Promise<ParquetWriter> {
  const db = await openDuckdb(limits);
  const dir = await mkdtemp(join(tmpdir(), 'alt-duckdb-'));
  let n = 0;
  // One connection: writes run one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: 'duckdb',
    write(input: RowsInput, file: string) {
      const run = async () => {
        const ndjson = join(dir, `in-${n++}.ndjson`);
        const copy = () =>
          db.conn.run(
            `COPY (SELECT ${SELECT_COLUMNS} FROM ${readJsonSql(ndjson)}) TO ${quoteLiteral(file)} ${PARQUET_OPTIONS}`,
          );
        await writeFile(ndjson, input.ndjson);
        try {
          await copy();
        } catch (err) {
          if (!/^Invalid Input Error/.test((err as Error).message)) throw err;
          await writeFile(ndjson, canonicalNdjson(input));
          await copy();
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
