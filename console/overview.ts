/**
 * The console's first numbers, from `hits_hourly` alone (DESIGN §7): one SQL text for PGlite,
 * PostgreSQL and Aurora through the RDS Data API, so it returns only scalars (the Data API has no
 * array results worth decoding) and the hour as text (each driver has its own timestamp type).
 * P95 is `alt_hist_quantile` over the summed histogram, the same function analysts use.
 */
import type { Queryable } from '../lib/db/sql.ts';
import type { HourRow } from './source.ts';

export interface OverviewQuery {
  appId?: string;
  /** 1–744 (a month). */
  hours: number;
  now?: Date;
}

const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

export function overviewSql(q: OverviewQuery): { sql: string; params: unknown[] } {
  const hours = Math.min(Math.max(Math.trunc(q.hours) || 24, 1), 744);
  const now = q.now ?? new Date();
  const from = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000);
  const params: unknown[] = [from.toISOString()];
  const byApp = q.appId === undefined ? '' : ` AND app_id = $${params.push(q.appId)}`;
  const classes = STATUS_CLASSES.map(
    (c, i) =>
      `sum(hits) FILTER (WHERE status_code BETWEEN ${(i + 2) * 100} AND ${(i + 2) * 100 + 99})::bigint AS s${c}`,
  ).join(',\n      ');
  const sql = `SELECT to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"') AS hour,
      coalesce(sum(hits) FILTER (WHERE event_type = 'pageview'), 0)::bigint AS pageviews,
      sum(hits)::bigint AS hits,
      ${classes},
      sum(hits) FILTER (WHERE status_code IS NULL)::bigint AS snone,
      alt_hist_quantile(alt_hist_sum(rt_hist), 0.95) AS p95_ms
    FROM hits_hourly
    WHERE hour >= $1::timestamptz${byApp}
    GROUP BY 1 ORDER BY 1`;
  return { sql, params };
}

type Row = Record<string, string | number | null>;
const num = (v: string | number | null | undefined) => (v === null || v === undefined ? 0 : Number(v));

export function toHourRow(r: Row): HourRow {
  const status_classes: Record<string, number> = {};
  for (const c of [...STATUS_CLASSES, 'none'] as const) {
    const n = num(r[`s${c}`]);
    if (n > 0) status_classes[c] = n;
  }
  return {
    hour: String(r.hour),
    pageviews: num(r.pageviews),
    hits: num(r.hits),
    status_classes,
    p95_ms: r.p95_ms === null || r.p95_ms === undefined ? null : Number(r.p95_ms),
  };
}

/** Hours with at least one rollup row in the window, oldest first. */
export async function readOverviewHours(db: Queryable, q: OverviewQuery): Promise<HourRow[]> {
  const { sql, params } = overviewSql(q);
  const r = await db.query<Row>(sql, params);
  return r.rows.map(toHourRow);
}
