/**
 * `alt transform --once`, `alt compact` and `alt replay` as a user runs them: the real CLI in a
 * subprocess over a data dir whose segment log holds envelopes, as the collector writes them.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPglite } from '../../lib/db/pglite.ts';
import { partitionOf } from '../../schemas/lake.ts';
import { EnvelopeKind, encodeRows } from '../../stream/envelope.ts';
import { openSegmentLog } from '../../stream/segment-log/index.ts';
import { runAlt } from '../../test/helpers/run-alt.ts';
import { createFsStore } from '../../transformer/lake/fs-store.ts';
import { makeRow } from '../../transformer/testing/fixtures.ts';

const alt = (args: string[]) => runAlt(args, { DATABASE_URL: '' });

let dir: string;
// raw/ is partitioned by ARRIVAL (when the rows are appended: now), and replay finds raw files
// from the event hours (H-2 … H+25), so the events sit in the two hours before this one.
const HOUR_MS = 3_600_000;
const thisHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const at = (hoursBack: number, minute: number) =>
  new Date(thisHour - hoursBack * HOUR_MS + minute * 60_000).toISOString();
const early = partitionOf(new Date(at(2, 0)));
const late = partitionOf(new Date(at(1, 0)));
const open = partitionOf(new Date(at(0, 0)));
/** `--hour` form of a partition: YYYY-MM-DDTHH. */
const hourArg = (hoursBack: number) => at(hoursBack, 0).slice(0, 13);
const row = (timestamp: string, more: Parameters<typeof makeRow>[0] = {}) =>
  makeRow({ timestamp, received_at: timestamp, ...more });
const retried = row(at(1, 10));
// Each test spawns the CLI two or three times and the first one initialises PGlite's data dir:
// seconds each on a loaded 2-core machine.
const SLOW = { timeout: 180_000 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-transform-cli-'));
  const log = await openSegmentLog(join(dir, 'stream'));
  await log.append([
    encodeRows(EnvelopeKind.LAKE_ROWS, [retried, row(at(1, 20)), row(at(0, 0))]),
    encodeRows(EnvelopeKind.LAKE_ROWS, [{ ...retried }, row(at(2, 50))]),
    encodeRows(EnvelopeKind.DROPPED_BOTS, [row(at(1, 30), { is_bot: true })]),
    new Uint8Array([0x01, 0x1f, 0x8b]),
  ]);
  await log.close();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it(
  'drains the local stream once into hits/, raw/, bad/ and the rollups, compacting closed hours only; a second run finds nothing',
  SLOW,
  async () => {
    // No grace: the hour before this one counts as closed whatever the minute now.
    const once = ['transform', '--once', '--compact-grace', '0', '--json', '--data-dir', dir];
    const first = await alt(once);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      records: 4,
      lakeRows: 4,
      droppedBots: 1,
      duplicates: 1,
      bad: 1,
      hours: [early, late],
    });
    const again = await alt(once);
    expect(JSON.parse(again.stdout)).toMatchObject({ batches: 0, records: 0, hours: [] });

    // The open hour keeps its batch file: no drain compacts it.
    const keys = (await createFsStore(join(dir, 'lake')).list('')).map((o) => o.key);
    const hits = keys.filter((k) => k.startsWith('hits/'));
    expect(hits.filter((k) => !k.startsWith(`hits/${open}/`))).toEqual([
      `hits/${early}/compacted.parquet`,
      `hits/${late}/compacted.parquet`,
    ]);
    expect(hits.filter((k) => k.startsWith(`hits/${open}/`))).toHaveLength(1);
    expect(hits).not.toContain(`hits/${open}/compacted.parquet`);
    expect(keys.filter((k) => k.startsWith('raw/'))).toHaveLength(1);
    expect(keys.filter((k) => k.startsWith('bad/'))).toHaveLength(1);
  },
);

it('compacts an hour and replays hours from raw/, keeping rollups equal to the lake', SLOW, async () => {
  const compact = await alt(['compact', '--hour', hourArg(1), '--json', '--data-dir', dir]);
  expect(compact.code).toBe(0);
  expect(JSON.parse(compact.stdout)).toMatchObject({ inputs: 1, rowsIn: 2, rowsOut: 2 });
  const replay = await alt([
    'replay',
    '--from',
    'raw',
    '--hours',
    `${hourArg(2)}..${hourArg(1)}`,
    '--json',
    '--data-dir',
    dir,
  ]);
  expect(replay.code).toBe(0);
  expect(JSON.parse(replay.stdout)).toMatchObject({ rawFiles: 1, rows: 3 });

  const db = await createPglite(join(dir, 'pg'));
  try {
    const r = await db.query<{ hits: number; dropped: number; batches: number }>(
      'SELECT sum(hits)::int AS hits, sum(dropped_bots)::int AS dropped, (SELECT count(*)::int FROM transform_batches) AS batches FROM hits_hourly',
    );
    expect(r.rows[0]).toEqual({ hits: 4, dropped: 1, batches: 1 });
  } finally {
    await db.close();
  }
});

it('refuses a data dir with nothing in it, says where it looked, and creates nothing', SLOW, async () => {
  const missing = join(dir, 'not-here');
  for (const args of [
    ['transform', '--once'],
    ['compact', '--hour', hourArg(2)],
    ['replay', '--from', 'raw', '--hours', `${hourArg(2)}..${hourArg(1)}`],
  ]) {
    const r = await alt([...args, '--data-dir', missing]);
    expect(r.code, args.join(' ')).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`no ALT data at ${missing}/(stream|lake)`));
  }
  expect(existsSync(missing)).toBe(false);
});
