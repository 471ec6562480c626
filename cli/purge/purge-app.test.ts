import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { createDuckdbEngine } from '../../query/duckdb-engine.ts';
import { HISTOGRAM_CELLS } from '../../schemas/rollups.ts';
import { decodeEnvelope, EnvelopeKind, encodeRows } from '../../stream/envelope.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';
import { createFsStore } from '../../transformer/lake/fs-store.ts';
import { decodeRaw, encodeRaw } from '../../transformer/lake/raw.ts';
import { purgeApp } from './purge-app.ts';

const GONE = 'alt_goneGoneGone0000000001';
const STAY = 'alt_stayStayStay0000000002';

let root: string;
let lakeDir: string;
let db: Sql;
let onlyGoneFile: string;
const rawPath = () =>
  join(lakeDir, 'raw', 'year=2026', 'month=11', 'day=24', 'hour=10', 'shard-1-5.ndjson.gz');
const badPath = () => join(lakeDir, 'bad', 'year=2026', 'month=11', 'day=24', 'hour=10', 'shard-1-5.ndjson');

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alt-purge-'));
  lakeDir = join(root, 'lake');
  await seedLake(lakeDir, [
    makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T10:01:00Z' }),
    makeLakeRow({ app_id: STAY, timestamp: '2026-11-24T10:02:00Z' }),
    makeLakeRow({ app_id: STAY, timestamp: '2026-11-24T10:03:00Z' }),
  ]);
  [onlyGoneFile] = await seedLake(lakeDir, [
    makeLakeRow({ app_id: GONE, timestamp: '2026-11-24T11:00:00Z' }),
  ]);
  const at = new Date('2026-11-24T10:05:00Z');
  const rec = (seq: string, data: Uint8Array) => ({
    shardId: 'shard-1',
    sequenceNumber: seq,
    arrivedAt: at,
    data,
  });
  await mkdir(dirname(rawPath()), { recursive: true });
  await writeFile(
    rawPath(),
    encodeRaw({
      shardId: 'shard-1',
      records: [
        rec(
          '1',
          encodeRows(EnvelopeKind.LAKE_ROWS, [makeLakeRow({ app_id: GONE }), makeLakeRow({ app_id: STAY })]),
        ),
        rec('2', encodeRows(EnvelopeKind.DROPPED_BOTS, [makeLakeRow({ app_id: GONE, is_bot: true })])),
        rec('3', encodeRows(EnvelopeKind.LAKE_ROWS, [makeLakeRow({ app_id: STAY })])),
      ],
    }),
  );
  await mkdir(dirname(badPath()), { recursive: true });
  await writeFile(
    badPath(),
    `{"reason":"invalid_hit","raw":"{\\"app_id\\":\\"${GONE}\\""}\n{"reason":"invalid_hit","raw":"x"}\n`,
  );
  db = await createPglite();
  await migrate(db);
  await db.query("SELECT alt_ensure_month('2026-11-24T00:00:00Z')");
  for (const app of [GONE, STAY]) {
    await db.query(
      `INSERT INTO hits_hourly (app_id, hour, event_type, source, hits, rt_hist) VALUES ($1, '2026-11-24T10:00:00Z', 'pageview', 'beacon', 1, $2)`,
      [app, new Array(HISTOGRAM_CELLS).fill(0)],
    );
  }
});
afterAll(async () => {
  await db?.close();
  await rm(root, { recursive: true, force: true });
});

async function lakeApps(): Promise<string[]> {
  const engine = await createDuckdbEngine({ lakeDir });
  try {
    return (await engine.run('SELECT app_id FROM hits ORDER BY app_id')).rows.map((r) => String(r[0]));
  } finally {
    await engine.close();
  }
}

describe('purgeApp', () => {
  it('refuses a malformed app id (bad/ lines are matched by substring)', async () => {
    await expect(purgeApp({ store: createFsStore(lakeDir), appId: 'alt_', dryRun: true })).rejects.toThrow(
      'not an app id: "alt_"',
    );
  });

  it('reports without changing anything on a dry run', async () => {
    const before = await readFile(rawPath());
    const r = await purgeApp({ store: createFsStore(lakeDir), appId: GONE, rollups: db, dryRun: true });
    expect(r.hits.map((c) => [c.removed, c.kept])).toEqual([
      [1, 2],
      [1, 0],
    ]);
    expect(r.raw).toEqual([{ path: rawPath(), removed: 2, kept: 2 }]);
    expect(r.bad).toEqual([{ path: badPath(), removed: 1, kept: 1 }]);
    expect(r.rollupRows).toBe(1);
    expect(await lakeApps()).toEqual([GONE, GONE, STAY, STAY]);
    expect(await readFile(rawPath())).toEqual(before);
  });

  it("removes the app's rows everywhere and leaves other apps' data intact", async () => {
    const r = await purgeApp({ store: createFsStore(lakeDir), appId: GONE, rollups: db });
    expect(r.rollupRows).toBe(1);
    expect(await lakeApps()).toEqual([STAY, STAY]);
    expect(existsSync(onlyGoneFile)).toBe(false);

    const raw = decodeRaw(await readFile(rawPath()));
    expect(raw.records.map((x) => x.sequenceNumber)).toEqual(['1', '3']);
    const apps = raw.records.flatMap((x) => {
      const env = decodeEnvelope(x.data);
      return env.ok ? env.lines.map((l) => JSON.parse(l).app_id) : [];
    });
    expect(apps).toEqual([STAY, STAY]);

    expect(await readFile(badPath(), 'utf8')).toBe('{"reason":"invalid_hit","raw":"x"}\n');
    const left = await db.query<{ app_id: string }>('SELECT app_id FROM hits_hourly');
    expect(left.rows).toEqual([{ app_id: STAY }]);

    const again = await purgeApp({ store: createFsStore(lakeDir), appId: GONE, rollups: db });
    expect(again).toEqual({ dryRun: false, hits: [], raw: [], bad: [], rollupRows: 0 });
  });
});
