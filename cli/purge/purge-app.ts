/**
 * Deletes one app's data from a lake and its rollups, through the `ObjectStore` so a local lake
 * (`<dataDir>/lake`) and an S3 bucket purge alike: Parquet files under `hits/` are rewritten without
 * the app's rows (a file left empty is removed), the app's hits are taken out of the `raw/`
 * archive's stream records (other apps' records stay byte-identical), its lines are dropped from
 * `bad/`, and its `hits_hourly` rows are deleted. Each rewrite is one `put` over the original,
 * which the store makes atomic for readers (a temporary file renamed into place locally, one PUT on
 * S3), so a reader sees the old file or the new one. A dry run reads and counts, and writes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Queryable } from '../../lib/db/sql.ts';
import { createMemoryDuckdb } from '../../lib/duckdb-text.ts';
import { quoteLiteral } from '../../schemas/sql-quote.ts';
import { APP_ID_PATTERN } from '../../schemas/wire.ts';
import type { ReadRecord } from '../../stream/contract.ts';
import { decodeEnvelope, encodeEnvelope } from '../../stream/envelope.ts';
import type { ObjectStore } from '../../transformer/lake/object-store.ts';
import { decodeRaw, encodeRaw } from '../../transformer/lake/raw.ts';
import { count } from '../format.ts';

export interface PurgeOptions {
  /** The lake: `<dataDir>/lake` or the S3 bucket (`openStore` in `transformer/open.ts`). */
  store: ObjectStore;
  appId: string;
  /** Rollup store; omitted: rollups are left alone (and reported as such). */
  rollups?: Queryable;
  /** Report what would change, change nothing. */
  dryRun?: boolean;
}

export interface FileChange {
  /** Where the file is, as the store describes it (a path or an `s3://` URL). */
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

async function keysUnder(store: ObjectStore, prefix: string, suffix: string): Promise<string[]> {
  return (await store.list(prefix)).map((o) => o.key).filter((k) => k.endsWith(suffix));
}

/** Puts what is kept over the object, or deletes it when nothing is. */
async function replaceOrRemove(
  store: ObjectStore,
  key: string,
  kept: number,
  body: () => Promise<Uint8Array | { file: string }>,
) {
  if (kept === 0) await store.delete([key]);
  else await store.put(key, await body());
}

/** One Parquet object without the app's rows; null when it has none (or is gone). */
async function purgeHitsObject(
  conn: DuckDBConnection,
  store: ObjectStore,
  key: string,
  scratch: { input: string; output: string },
  appId: string,
  dryRun: boolean,
): Promise<FileChange | null> {
  const { input, output } = scratch;
  if (!(await store.download(key, input))) return null;
  const counted = await conn.runAndReadAll(
    `SELECT count(*) FILTER (WHERE app_id = ${quoteLiteral(appId)}) AS removed, count(*) AS total
     FROM read_parquet(${quoteLiteral(input)}, hive_partitioning = false)`,
  );
  const [r] = counted.getRowObjectsJson();
  const removed = Number(r.removed);
  if (removed === 0) return null;
  const kept = Number(r.total) - removed;
  if (!dryRun) {
    await replaceOrRemove(store, key, kept, async () => {
      await conn.run(
        `COPY (SELECT * FROM read_parquet(${quoteLiteral(input)}, hive_partitioning = false) WHERE app_id IS DISTINCT FROM ${quoteLiteral(appId)})
         TO ${quoteLiteral(output)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      return { file: output };
    });
  }
  return { path: store.describe(key), removed, kept };
}

/**
 * DuckDB reads local files only, so each Parquet object is downloaded to a scratch directory,
 * counted and, when it holds the app's rows, rewritten there and put back: one object on disk at a time.
 */
async function purgeHits(store: ObjectStore, appId: string, dryRun: boolean): Promise<FileChange[]> {
  const keys = await keysUnder(store, 'hits/', '.parquet');
  if (keys.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'alt-purge-'));
  const instance = await createMemoryDuckdb();
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const changes: FileChange[] = [];
    for (const [i, key] of keys.entries()) {
      // A new name per object: DuckDB may cache what it read from a path.
      const scratch = { input: join(dir, `${i}.parquet`), output: join(dir, `${i}.out.parquet`) };
      try {
        const change = await purgeHitsObject(conn, store, key, scratch, appId, dryRun);
        if (change) changes.push(change);
      } finally {
        await rm(scratch.input, { force: true });
        await rm(scratch.output, { force: true });
      }
    }
    return changes;
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
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

async function purgeRaw(store: ObjectStore, appId: string, dryRun: boolean): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const key of await keysUnder(store, 'raw/', '.ndjson.gz')) {
    const bytes = await store.get(key);
    if (!bytes) continue;
    const batch = decodeRaw(bytes);
    let removed = 0;
    const records: ReadRecord[] = [];
    for (const r of batch.records) {
      const out = purgeRecord(r, appId);
      removed += out.removed;
      if (out.record) records.push(out.record);
    }
    if (removed === 0) continue;
    changes.push({ path: store.describe(key), removed, kept: records.length });
    if (!dryRun) {
      await replaceOrRemove(store, key, records.length, async () =>
        encodeRaw({ shardId: batch.shardId, records }),
      );
    }
  }
  return changes;
}

async function purgeBad(store: ObjectStore, appId: string, dryRun: boolean): Promise<FileChange[]> {
  const changes: FileChange[] = [];
  for (const key of await keysUnder(store, 'bad/', '.ndjson')) {
    const bytes = await store.get(key);
    if (!bytes) continue;
    const lines = Buffer.from(bytes)
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    // Rejected records may not parse, so any line naming the app goes.
    const kept = lines.filter((l) => !l.includes(appId));
    if (kept.length === lines.length) continue;
    changes.push({ path: store.describe(key), removed: lines.length - kept.length, kept: kept.length });
    if (!dryRun) {
      await replaceOrRemove(store, key, kept.length, async () => Buffer.from(`${kept.join('\n')}\n`));
    }
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
    hits: await purgeHits(opts.store, opts.appId, dryRun),
    raw: await purgeRaw(opts.store, opts.appId, dryRun),
    bad: await purgeBad(opts.store, opts.appId, dryRun),
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
