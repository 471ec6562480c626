import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../lib/db/sql.ts';
import { HISTOGRAM_CELLS, LATENCY_BUCKETS_MS } from '../schemas/rollups.ts';
import { databaseBackends } from '../test/helpers/databases.ts';
import { readOverviewHours } from './overview.ts';

const NOW = new Date('2026-12-06T10:25:00Z');
const A = 'alt_AAAAAAAAAAAAAAAAAAAAAA';
const B = 'alt_BBBBBBBBBBBBBBBBBBBBBB';

/** A histogram with `n` values in the bucket whose upper bound is `boundMs`. */
function hist(entries: [number, number][] = []): string {
  const cells = new Array(HISTOGRAM_CELLS).fill(0);
  for (const [boundMs, n] of entries) cells[LATENCY_BUCKETS_MS.indexOf(boundMs as never)] += n;
  return `{${cells.join(',')}}`;
}

describe.each(databaseBackends())('console overview from hits_hourly on %s', (_name, available, open) => {
  let db: Sql;
  let done: () => Promise<void>;
  beforeAll(async () => {
    if (!available) return;
    ({ db, done } = await open());
    const row = async (
      app: string,
      hour: string,
      event: string,
      statusCode: number | null,
      hits: number,
      h: [number, number][] = [],
    ) =>
      db.query(
        `INSERT INTO hits_hourly (app_id, hour, event_type, source, status_code, hits, rt_count, rt_hist)
         VALUES ($1, $2, $3, 'beacon', $4, $5, $6, $7::bigint[])`,
        [app, hour, event, statusCode, hits, h.reduce((s, [, n]) => s + n, 0), hist(h)],
      );
    await row(A, '2026-12-06T10:00:00Z', 'pageview', 200, 10, [[25, 10]]);
    await row(A, '2026-12-06T10:00:00Z', 'pageview', 503, 1, [[1500, 1]]);
    await row(A, '2026-12-06T10:00:00Z', 'click', null, 5);
    await row(A, '2026-12-06T08:00:00Z', 'pageview', 404, 3);
    await row(B, '2026-12-06T10:00:00Z', 'pageview', 200, 100, [[5, 100]]);
    // Outside a 3-hour window ending at 10:xx.
    await row(A, '2026-12-06T07:00:00Z', 'pageview', 200, 1000);
  });
  afterAll(async () => done?.());

  it.runIf(available)('gives pageviews, status classes and P95 per hour for one app', async () => {
    expect(await readOverviewHours(db, { appId: A, hours: 3, now: NOW })).toEqual([
      { hour: '2026-12-06T08:00:00Z', pageviews: 3, hits: 3, status_classes: { '4xx': 3 }, p95_ms: null },
      {
        hour: '2026-12-06T10:00:00Z',
        pageviews: 11,
        hits: 16,
        status_classes: { '2xx': 10, '5xx': 1, none: 5 },
        // 11 timed hits, the 11th (≥ 95 %) in the ≤ 1,500 ms bucket.
        p95_ms: 1500,
      },
    ]);
  });

  it.runIf(available)('sums every app when none is named, and widens with the window', async () => {
    const all = await readOverviewHours(db, { hours: 3, now: NOW });
    expect(all.map((h) => [h.hour, h.pageviews, h.hits])).toEqual([
      ['2026-12-06T08:00:00Z', 3, 3],
      ['2026-12-06T10:00:00Z', 111, 116],
    ]);
    // 100 fast hits from B put the 95th percentile of all 111 timed hits in the ≤ 25 ms bucket.
    expect(all[1].p95_ms).toBe(25);
    expect((await readOverviewHours(db, { appId: A, hours: 4, now: NOW }))[0]).toMatchObject({
      hour: '2026-12-06T07:00:00Z',
      pageviews: 1000,
    });
    expect(await readOverviewHours(db, { appId: 'alt_CCCCCCCCCCCCCCCCCCCCCC', hours: 24, now: NOW })).toEqual(
      [],
    );
  });
});
