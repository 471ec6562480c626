/**
 * What the console asks of the local lake, answered in `alt dev`'s transformer process (it owns the
 * lake and the database): the lake's hours, files and rows from Parquet footers alone (cached by
 * file size and mtime, so a second look reads only new files' footers), and the top pages of the
 * last hours from those hours' files through DuckDB, deduplicated by `log_id` as the `hits` view
 * is. Data pages are never read for the summary.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';
import { partitionOf } from '../../schemas/lake.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';

export interface LakeSummary {
  hours: number;
  files: number;
  rows: number;
}

export interface TopPage {
  url_path: string;
  pageviews: number;
}

/** Rows in a Parquet file, from its footer alone (hyparquet reads the tail, then the metadata). */
async function footerRows(path: string): Promise<number> {
  return Number((await parquetMetadataAsync(await asyncBufferFromFile(path))).num_rows);
}

/** Top pages read at most this many files: beyond, the answer is null rather than slow. */
const TOP_PAGES_MAX_FILES = 400;

export function createConsoleLake(lakeDir: string) {
  const hitsDir = join(lakeDir, 'hits');
  const footers = new Map<string, { size: number; mtimeMs: number; rows: number }>();
  let duck: Promise<DuckDBConnection> | undefined;

  async function parquetFiles(dir: string): Promise<string[]> {
    try {
      const entries = await readdir(dir, { recursive: true });
      return entries.filter((e) => e.endsWith('.parquet')).map((e) => join(dir, e));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  return {
    async summary(): Promise<LakeSummary> {
      const files = await parquetFiles(hitsDir);
      const hours = new Set<string>();
      let rows = 0;
      const seen = new Set<string>();
      for (const f of files) {
        hours.add(f.slice(0, f.lastIndexOf('/')));
        seen.add(f);
        let st: Awaited<ReturnType<typeof stat>>;
        try {
          st = await stat(f);
        } catch {
          continue; // replaced by compaction since the listing
        }
        const known = footers.get(f);
        if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) {
          rows += known.rows;
          continue;
        }
        try {
          const n = await footerRows(f);
          footers.set(f, { size: st.size, mtimeMs: st.mtimeMs, rows: n });
          rows += n;
        } catch {
          // a file being written (the writer renames into place, so rarely): counted next time
        }
      }
      for (const k of footers.keys()) if (!seen.has(k)) footers.delete(k);
      return { hours: hours.size, files: files.length, rows };
    },

    async topPages(q: {
      appId?: string;
      hours: number;
      limit?: number;
      now?: Date;
    }): Promise<TopPage[] | null> {
      const now = (q.now ?? new Date()).getTime();
      const hours = Math.min(Math.max(Math.trunc(q.hours) || 24, 1), 744);
      const files: string[] = [];
      for (let h = 0; h < hours; h++) {
        files.push(...(await parquetFiles(join(hitsDir, partitionOf(new Date(now - h * 3_600_000))))));
        if (files.length > TOP_PAGES_MAX_FILES) return null;
      }
      if (files.length === 0) return [];
      duck ??= createMemoryDuckdb({ threads: '1' }).then((i) => i.connect());
      const conn = await duck;
      const list = `[${files.map(quoteLiteral).join(', ')}]`;
      const byApp = q.appId === undefined ? '' : ` AND app_id = ${quoteLiteral(q.appId)}`;
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 10), 1), 100);
      // count(DISTINCT log_id): a retried hit in a second file of an open hour counts once, as in `hits`.
      const r = await conn
        .runAndReadAll(
          `SELECT coalesce(url_path, '(none)') AS url_path, count(DISTINCT log_id)::INTEGER AS pageviews
         FROM read_parquet(${list}, union_by_name = true)
         WHERE event_type = 'pageview'${byApp}
         GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${limit}`,
        )
        // Files of schema version 1 only (no url_path anywhere): no answer rather than an error.
        .catch(() => null);
      if (!r) return null;
      return r.getRowObjectsJson().map((row) => ({
        url_path: String(row.url_path),
        pageviews: Number(row.pageviews),
      }));
    },

    close(): void {
      duck?.then((c) => c.closeSync()).catch(() => {});
    },
  };
}
