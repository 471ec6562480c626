/**
 * The data-quality queries read only a window of days (so Athena's partition projection prunes to
 * those days) and still find what they exist for. Windows are evaluated, not pattern-matched: the
 * window predicate runs in DuckDB over every partition the Athena projection can produce, and the
 * queries run on a seeded lake with the same defects inside and outside the window.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportQuality } from '../../cli/commands/validate.ts';
import { createDuckdbEngine, HITS_STORED_VIEW } from '../../query/duckdb-engine.ts';
import type { QueryEngine } from '../../query/engine.ts';
import { rowObjects } from '../../query/engine.ts';
import { runQualityChecks } from '../../query/quality-checks.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';
import { PARTITION_COLUMNS } from '../columns.ts';
import type { LakeRow } from '../lake.ts';
import { projectionParameters, projectionYears } from './athena.ts';
import { DEFAULT_QUALITY_DAYS, type QualityWindow, qualityQueries, windowPredicate } from './quality.ts';

const DAY = 86_400_000;
const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

let root: string;
let engine: QueryEngine;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alt-quality-'));
  // An empty lake: the engine is used here for its DuckDB session (UTC, Trino macros).
  engine = await createDuckdbEngine({ lakeDir: join(root, 'empty') });
  const params = projectionParameters('s3://lake/', projectionYears(new Date()));
  const range = (name: string) => params[`projection.${name}.range`].split(',').map(Number);
  const [[y0, y1], [m0, m1], [d0, d1], [h0, h1]] = PARTITION_COLUMNS.map((p) => range(p.name));
  // Every partition Athena's projection enumerates when a query leaves the columns unconstrained.
  await engine.run(
    `CREATE TABLE projected AS SELECT y.year, m.month, d.day, h.hour FROM range(${y0}, ${y1 + 1}) y(year), range(${m0}, ${m1 + 1}) m(month), range(${d0}, ${d1 + 1}) d(day), range(${h0}, ${h1 + 1}) h(hour)`,
  );
});
afterAll(async () => {
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

/** The distinct days (YYYY-MM-DD) and the number of hour partitions a predicate keeps. */
async function kept(predicate: string): Promise<{ days: string[]; partitions: number }> {
  const rows = rowObjects(
    await engine.run(
      `SELECT printf('%04d-%02d-%02d', year, month, day) AS d, count(*) AS n FROM projected WHERE ${predicate} GROUP BY 1 ORDER BY 1`,
    ),
  );
  return { days: rows.map((r) => String(r.d)), partitions: rows.reduce((n, r) => n + Number(r.n), 0) };
}

const lastDays = (end: number, n: number) =>
  Array.from({ length: n }, (_, k) => utcDay(end - (n - 1 - k) * DAY));

describe('quality query windows', () => {
  it('every query, literal or relative to current_date, is limited by the window on year, month and day', () => {
    for (const window of [
      { days: 7 },
      { days: 3, until: new Date('2026-12-05T00:00:00Z') },
    ] as QualityWindow[]) {
      for (const q of qualityQueries('hits', window)) {
        const w =
          q.name === 'null_partition' ? windowPredicate(window, { nullable: true }) : windowPredicate(window);
        expect(q.sql, q.name).toContain(`WHERE ${w}`);
        for (const p of ['year', 'month', 'day']) expect(w, q.name).toMatch(new RegExp(`\\(?${p} = `));
      }
    }
  });

  it('a literal window keeps exactly its days of the projection, across a month and a year end', async () => {
    for (const until of ['2026-12-05', '2027-01-03', '2026-03-01']) {
      const end = Date.parse(`${until}T00:00:00Z`);
      if (new Date(end).getUTCFullYear() > projectionYears().last) continue;
      const got = await kept(windowPredicate({ days: 7, until: new Date(end) }));
      const want = lastDays(end, 7).filter((d) => Number(d.slice(0, 4)) >= projectionYears().first);
      expect(got.days, until).toEqual(want);
      expect(got.partitions, until).toBe(want.length * 24);
    }
  });

  it('the saved (current_date) window keeps the last N days of the projection, 24 partitions each', async () => {
    const before = Date.now();
    const got = await kept(windowPredicate({ days: DEFAULT_QUALITY_DAYS }));
    // current_date is read once per query; the test tolerates a UTC midnight between the two reads.
    const candidates = [
      lastDays(before, DEFAULT_QUALITY_DAYS),
      lastDays(Date.now(), DEFAULT_QUALITY_DAYS),
    ].map((days) => days.filter((d) => Number(d.slice(0, 4)) >= projectionYears().first));
    expect(candidates).toContainEqual(got.days);
    expect(got.partitions).toBe(got.days.length * 24);
    const all = await kept('true');
    expect(all.partitions).toBeGreaterThan(got.partitions * 50);
  });

  it('the null_partition window still admits NULL partition values while bounding each column', async () => {
    const w = windowPredicate({ days: 2, until: new Date('2026-12-05T00:00:00Z') }, { nullable: true });
    const rows = rowObjects(
      await engine.run(
        `SELECT count(*) AS n FROM (VALUES (NULL, NULL, NULL), (2026, NULL, 5), (2026, 12, 4), (2026, 12, 3), (2025, 12, 5)) t(year, month, day) WHERE ${w}`,
      ),
    );
    expect(rows).toEqual([{ n: 3 }]);
  });
});

describe('quality queries on a seeded lake', () => {
  /** One row of each defect the checks exist for, at `at`. */
  function defects(at: Date, tag: string): { rows: LakeRow[]; misplaced: LakeRow } {
    const iso = at.toISOString();
    const dup = makeLakeRow({ timestamp: iso, log_id: `0193a000-0000-7000-8000-${tag.padStart(12, '0')}` });
    return {
      rows: [
        dup,
        { ...dup },
        makeLakeRow({ timestamp: iso, status: 'DONE' as LakeRow['status'] }),
        makeLakeRow({ timestamp: iso, status_code: 700 }),
        makeLakeRow({ timestamp: iso, event_type: 'click' as LakeRow['event_type'] }),
        makeLakeRow({ timestamp: iso, visitor_id: null as unknown as string }),
      ],
      misplaced: makeLakeRow({ timestamp: iso }),
    };
  }

  async function lakeWith(name: string, inside: Date, outside: Date): Promise<string> {
    const lake = join(root, name, 'lake');
    for (const [at, tag] of [
      [inside, '111'],
      [outside, '222'],
    ] as const) {
      const { rows, misplaced } = defects(at, tag);
      await seedLake(lake, rows);
      // A row filed under the hour after its own: what partition_mismatch exists for.
      const next = new Date(at.getTime() + 3_600_000);
      await seedLake(lake, [misplaced], {
        forcePartition: `year=${next.getUTCFullYear()}/month=${String(next.getUTCMonth() + 1).padStart(2, '0')}/day=${String(next.getUTCDate()).padStart(2, '0')}/hour=${String(next.getUTCHours()).padStart(2, '0')}`,
      });
    }
    return lake;
  }

  const FAILING = [
    'duplicate_log_id',
    'partition_mismatch',
    'null_required',
    'invalid_status',
    'status_code_out_of_range',
    'invalid_enum',
  ];

  it('alt validate (literal window) finds every defect inside the window and none outside it', async () => {
    const lake = await lakeWith(
      'literal',
      new Date('2026-11-24T10:15:00Z'),
      new Date('2026-11-10T10:15:00Z'),
    );
    const local = await createDuckdbEngine({ lakeDir: lake });
    try {
      const outcomes = await runQualityChecks(
        local,
        { days: 7, until: new Date('2026-11-24T00:00:00Z') },
        HITS_STORED_VIEW,
      );
      const failed = outcomes.filter((o) => o.result.rows.length > 0).map((o) => o.check.name);
      expect(failed.sort()).toEqual([...FAILING].sort());
      const text = reportQuality(outcomes).text;
      expect(text).toContain('0193a000-0000-7000-8000-000000000111');
      expect(text).not.toContain('0193a000-0000-7000-8000-000000000222');
      const byName = Object.fromEntries(outcomes.map((o) => [o.check.name, rowObjects(o.result)]));
      expect(byName.partition_mismatch).toEqual([{ year: 2026, month: 11, day: 24, hour: 11, bad_rows: 1 }]);
      expect(byName.status_code_out_of_range).toEqual([{ status_code: 700, bad_rows: 1 }]);
      // The same defects two weeks earlier are found when the window reaches them.
      const wide = await runQualityChecks(
        local,
        { days: 15, until: new Date('2026-11-24T00:00:00Z') },
        HITS_STORED_VIEW,
      );
      expect(rowObjects(wide.find((o) => o.check.name === 'status_code_out_of_range')!.result)).toEqual([
        { status_code: 700, bad_rows: 2 },
      ]);
    } finally {
      await local.close();
    }
  });

  it('the saved queries (relative to current_date) run on DuckDB and find the defects of the last days only', async () => {
    const now = Date.now();
    const lake = await lakeWith('relative', new Date(now - 2 * 3_600_000), new Date(now - 10 * DAY));
    const local = await createDuckdbEngine({ lakeDir: lake });
    try {
      const failed: string[] = [];
      for (const q of qualityQueries(HITS_STORED_VIEW, { days: DEFAULT_QUALITY_DAYS })) {
        const rows = rowObjects(await local.run(q.sql));
        if (rows.length > 0) failed.push(q.name);
        if (q.name === 'duplicate_log_id')
          expect(rows).toEqual([{ log_id: '0193a000-0000-7000-8000-000000000111', copies: 2 }]);
        if (q.name === 'invalid_status') expect(rows).toEqual([{ status: 'DONE', bad_rows: 1 }]);
      }
      expect(failed.sort()).toEqual([...FAILING].sort());
    } finally {
      await local.close();
    }
  });
});
