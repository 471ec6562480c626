/**
 * Deletes one app's data from a local lake (`<dataDir>/lake`) and its rollups: Parquet files under
 * `hits/` are rewritten without the app's rows (a file left empty is removed), the app's hits are
 * taken out of the `raw/` archive's stream records (other apps' records stay byte-identical), its
 * lines are dropped from `bad/`, and its `hits_hourly` rows are deleted. Rewrites go to a temporary
 * name and are renamed over the original, so a reader sees the old file or the new one.
 */
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Queryable } from '../../lib/db/sql.ts';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { APP_ID_PATTERN } from '../../schemas/wire.ts';
import type { ReadRecord } from '../../stream/contract.ts';
import { decodeEnvelope, encodeEnvelope } from '../../stream/envelope.ts';
import { decodeRaw, encodeRaw } from '../../transformer/lake/raw.ts';
import { count } from '../format.ts';

export interface PurgeOptions {
  lakeDir: string;
  appId: string;
  /** Rollup store; omitted: rollups are left alone (and reported as such). */
  rollups?: Queryable;
  /** Report what would change, change nothing. */
  dryRun?: boolean;
}

export interface FileChange {
  path: string;
  removed: number;
  kept: number;
}

export interface PurgeReport {
  dryRun: boolean;
  hits: FileChange[];
  raw: FileChange[];
  bad: FileChange[];
  /** Rollup rows deleted (or that would be); null when no rollup store was given. */
  rollupRows: number | null;
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true });
    return entries
      .filter((e) => e.endsWith(suffix))
      .map((e) => join(dir, e))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

const tempName = (path: string) => join(dirname(path), `.purge-${process.pid}-${basename(path)}.tmp`);

async function replaceOrRemove(path: string, kept: number, write: (tmp: string) => Promise<void>) {
  if (kept === 0) {
    await rm(path);
    return;
  }
  const tmp = tempName(path);
  await write(tmp);
  await rename(tmp, path);
}

async function purgeHits(lakeDir: string, appId: string, dryRun: boolean): Promise<FileChange[]> {
  const files = await filesUnder(join(lakeDir, 'hits'), '.parquet');
  if (files.length === 0) return [];
  const instance = await createMemoryDuckdb();
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const list = `[${files.map(quoteLiteral).join(', ')}]`;
    const counted = await conn.runAndReadAll(
      `SELECT filename, count(*) FILTER (WHERE app_id = ${quoteLiteral(appId)}) AS removed, count(*) AS total
       FROM read_parquet(${list}, filename = true, hive_partitioning = false)
       GROUP BY filename HAVING count(*) FILTER (WHERE app_id = ${quoteLiteral(appId)}) > 0 ORDER BY filename`,
    );
    const changes = counted.getRowObjectsJson().map((r) => ({
      path: String(r.filename),
      removed: Number(r.removed),
      kept: Number(r.total) - Number(r.removed),
    }));
    if (!dryRun) {
      for (const c of changes) {
        await replaceOrRemove(c.path, c.kept, (tmp) =>
          conn
            .run(
              `COPY (SELECT * FROM read_parquet(${quoteLiteral(c.path)}, hive_partitioning = false) WHERE app_id IS DISTINCT FROM ${quoteLiteral(appId)})
             TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
            )
            .then(() => undefined),
        );
      }
    }
    return changes;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const belongsTo = (line: string, appId: string): boolean => {
  try {
    return (JSON.parse(line) as { app_id?: unknown }).app_id === appId;
  } catch {
    return false;
  }
};

/** One raw record without the app's hits: unchanged, rewritten, or gone (null). */
function purgeRecord(r: ReadRecord, appId: string): { record: ReadRecord | null; removed: number } {
  const env = decodeEnvelope(r.data);
  if (!env.ok) return { record: r, removed: 0 };
  const kept = env.lines.filter((l) => !belongsTo(l, appId));
  const removed = env.lines.length - kept.length;
  if (removed === 0) return { record: r, removed: 0 };
  if (kept.length === 0) return { record: null, removed };
  return { record: { ...r, data: encodeEnvelope(env.kind, `${kept.join('\n')}\n`) }, removed };
}

async function purgeRaw(lakeDir: string, appId: string, dryRun: boolean): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const path of await filesUnder(join(lakeDir, 'raw'), '.ndjson.gz')) {
    const batch = decodeRaw(await readFile(path));
    let removed = 0;
    const records: ReadRecord[] = [];
    for (const r of batch.records) {
      const out = purgeRecord(r, appId);
      removed += out.removed;
      if (out.record) records.push(out.record);
    }
    if (removed === 0) continue;
    changes.push({ path, removed, kept: records.length });
    if (!dryRun) {
      await replaceOrRemove(path, records.length, (tmp) =>
        writeFile(tmp, encodeRaw({ shardId: batch.shardId, records })),
      );
    }
  }
  return changes;
}

async function purgeBad(lakeDir: string, appId: string, dryRun: boolean): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const path of await filesUnder(join(lakeDir, 'bad'), '.ndjson')) {
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.length > 0);
    // Rejected records may not parse, so any line naming the app goes.
    const kept = lines.filter((l) => !l.includes(appId));
    if (kept.length === lines.length) continue;
    changes.push({ path, removed: lines.length - kept.length, kept: kept.length });
    if (!dryRun) await replaceOrRemove(path, kept.length, (tmp) => writeFile(tmp, `${kept.join('\n')}\n`));
  }
  return changes;
}

async function purgeRollups(db: Queryable, appId: string, dryRun: boolean): Promise<number> {
  if (dryRun) {
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM hits_hourly WHERE app_id = $1', [
      appId,
    ]);
    return r.rows[0].n;
  }
  return (await db.query('DELETE FROM hits_hourly WHERE app_id = $1', [appId])).rowCount;
}

export async function purgeApp(opts: PurgeOptions): Promise<PurgeReport> {
  // A malformed id would match nothing in the lake; `bad/` matching is by substring, so refuse it.
  if (!new RegExp(APP_ID_PATTERN).test(opts.appId)) throw new Error(`not an app id: "${opts.appId}"`);
  const dryRun = opts.dryRun ?? false;
  return {
    dryRun,
    hits: await purgeHits(opts.lakeDir, opts.appId, dryRun),
    raw: await purgeRaw(opts.lakeDir, opts.appId, dryRun),
    bad: await purgeBad(opts.lakeDir, opts.appId, dryRun),
    rollupRows: opts.rollups ? await purgeRollups(opts.rollups, opts.appId, dryRun) : null,
  };
}

export function describePurge(appId: string, r: PurgeReport): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const lines: string[] = [];
  const section = (label: string, unit: string, changes: FileChange[]) => {
    const total = changes.reduce((n, c) => n + c.removed, 0);
    lines.push(`${label}: ${verb} ${total} ${unit} of ${appId} from ${changes.length} files`);
    for (const c of changes) {
      lines.push(`  ${c.path}: -${c.removed}${c.kept === 0 ? ' (file deleted)' : `, ${c.kept} left`}`);
    }
  };
  section('hits/', 'rows', r.hits);
  section('raw/', 'hits', r.raw);
  section('bad/', 'lines', r.bad);
  lines.push(
    r.rollupRows === null
      ? 'hits_hourly: no rollup database found'
      : `hits_hourly: ${verb} ${count(r.rollupRows, 'row')}`,
  );
  if (r.dryRun) lines.push('dry run: nothing changed; run again with --yes to purge');
  return `${lines.join('\n')}\n`;
}
