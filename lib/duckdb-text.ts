/**
 * `@duckdb/node-api` (1.5.x) turns every VARCHAR into a JS string with one shared `new TextDecoder()`,
 * whose default (`ignoreBOM: false`) treats a leading U+FEFF as a byte-order mark and drops it: a
 * value that starts with that character read back one character short (the file held it whole).
 * The lake's strings may start with it (the wire schema allows any non-control character), and
 * compaction reads rollup dimensions back through this decoder, so the decoder the library uses is
 * replaced by one that keeps it. The library reads `exports.textDecoder` on every call, which is
 * what makes this work; `duckdb-text.test.ts` fails if a later version stops reading it there.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import accessors from '@duckdb/node-api/lib/vectors/dataAccessors.js';

const keeping = new TextDecoder('utf-8', { ignoreBOM: true });

/** Makes every DuckDB VARCHAR read in this process keep a leading U+FEFF. Idempotent. */
export function keepLeadingBom(): void {
  (accessors as { textDecoder: TextDecoder }).textDecoder = keeping;
}

/** An in-memory DuckDB whose strings read back whole: how the project opens every DuckDB. */
export async function createMemoryDuckdb(options?: Record<string, string>): Promise<DuckDBInstance> {
  keepLeadingBom();
  return DuckDBInstance.create(':memory:', options);
}
