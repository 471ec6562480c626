/**
 * Every SQL block of docs/analysts-athena.md runs here: `engine=athena` blocks on a seeded local
 * lake through the DuckDB engine (answers checked against the seed) and through a mocked Athena
 * client (request shape); `engine=postgres` blocks on PGlite (and PostgreSQL 15 when
 * DATABASE_URL is set) and on the local `hits_hourly`, which must agree.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Queryable, Sql } from '../../lib/db/sql.ts';
import { createAthenaEngine } from '../../query/athena-engine.ts';
import { createDuckdbEngine } from '../../query/duckdb-engine.ts';
import { type QueryEngine, type QueryValue, rowObjects } from '../../query/engine.ts';
import { LAKE_FIRST_YEAR, PARTITION_COLUMNS } from '../../schemas/columns.ts';
import { projectionParameters, projectionYears } from '../../schemas/ddl/athena.ts';
import { DEFAULT_QUALITY_DAYS, qualityQueries } from '../../schemas/ddl/quality.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import { LATENCY_BUCKETS_MS } from '../../schemas/rollups.ts';
import { createTestSchema, databaseUrl } from '../helpers/postgres.ts';
import { seedLake } from '../helpers/seed-lake.ts';
import { BLOG, docsSeedRows, FUNCTIONS_LOG, rollupsOf, SHOP } from './docs-seed.ts';
import { sqlBlocks } from './docs-sql.ts';

const blocks = sqlBlocks('analysts-athena.md');
const athenaBlocks = blocks.filter((b) => b.engine === 'athena');
const postgresBlocks = blocks.filter((b) => b.engine === 'postgres');
const seed = docsSeedRows();
type Row = Record<string, QueryValue>;

const hourOf = (r: LakeRow) => new Date(r.timestamp).getUTCHours();
const humanPageviews = seed.filter((r) => r.event_type === 'pageview' && !r.is_bot);

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}

/** Nearest-rank percentile: the value Trino's approx_percentile estimates, exact locally. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1];
}

/** Pageviews and distinct visitors per group, as `key|pageviews|visitors` strings, largest first. */
function breakdown(rows: LakeRow[], key: (r: LakeRow) => string): string[] {
  const groups = new Map<string, LakeRow[]>();
  for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups]
    .map(([k, rs]) => ({ k, n: rs.length, v: new Set(rs.map((r) => r.visitor_id)).size }))
    .sort((a, b) => b.n - a.n || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map(({ k, n, v }) => `${k}|${n}|${v}`);
}

const webVitals = seed.filter((r) => r.event_type === 'event' && r.event_name === 'web_vitals');

const errorsPerHour = () => {
  const out = new Map<string, { hits: number; not_found: number; server_errors: number }>();
  for (const r of seed) {
    const k = `${r.app_id}|${hourOf(r)}`;
    const e = out.get(k) ?? { hits: 0, not_found: 0, server_errors: 0 };
    e.hits += 1;
    if (r.status_code === 404) e.not_found += 1;
    if (r.status_code !== null && r.status_code >= 500 && r.status_code <= 599) e.server_errors += 1;
    out.set(k, e);
  }
  return out;
};

/** What each documented query must answer on the seed. */
const checks: Record<string, (rows: Row[]) => void> = {
  pageviews_per_hour(rows) {
    const expected = countBy(humanPageviews, (r) =>
      [r.app_id, r.client_sub_id, r.module_id, hourOf(r)].join('|'),
    );
    expect(
      new Map(rows.map((r) => [[r.app_id, r.client_sub_id, r.module_id, r.hour].join('|'), r.pageviews])),
    ).toEqual(expected);
  },
  top_pages(rows) {
    const page = (r: LakeRow) => `${new URL(r.url ?? '').host}${new URL(r.url ?? '').pathname}`;
    const [top, topCount] = [...countBy(humanPageviews, page)].sort((a, b) => b[1] - a[1])[0];
    expect(`${rows[0].host}${rows[0].path}`).toBe(top);
    expect(rows[0].pageviews).toBe(topCount);
    expect(rows[0].visitors).toBe(
      new Set(humanPageviews.filter((r) => page(r) === top).map((r) => r.visitor_id)).size,
    );
  },
  errors_per_hour(rows) {
    const expected = errorsPerHour();
    expect(rows).toHaveLength(expected.size);
    for (const r of rows)
      expect(expected.get(`${r.app_id}|${r.hour}`)).toEqual({
        hits: r.hits,
        not_found: r.not_found,
        server_errors: r.server_errors,
      });
  },
  error_spikes(rows) {
    expect(rows.map((r) => [r.app_id, r.hour, r.spike])).toEqual([
      [SHOP, 10, '404 spike'],
      [SHOP, 11, '5xx spike'],
    ]);
  },
  latency_percentiles(rows) {
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const values = humanPageviews
        .filter((h) => h.app_id === r.app_id && h.module_id === r.module_id && h.response_time_ms !== null)
        .map((h) => h.response_time_ms as number);
      expect(r).toMatchObject({
        pageviews: values.length,
        p95_ms: percentile(values, 0.95),
        p99_ms: percentile(values, 0.99),
      });
    }
    // The slow tail of the shop's cart shows at P99, not at P95.
    expect(rows.find((r) => r.app_id === SHOP && r.module_id === 'cart')).toMatchObject({
      p95_ms: 1000,
      p99_ms: 2519,
    });
  },
  rollup_percentiles(rows) {
    const pageviews = seed.filter((r) => r.event_type === 'pageview');
    for (const r of rows) {
      const values = pageviews
        .filter((h) => h.app_id === r.app_id && h.module_id === r.module_id && h.response_time_ms !== null)
        .map((h) => h.response_time_ms as number);
      // The rollup answers with the upper bound of the bucket holding the exact percentile.
      const bucket = (v: number) => LATENCY_BUCKETS_MS.find((b) => v <= b);
      expect(r).toMatchObject({
        hits: pageviews.filter((h) => h.app_id === r.app_id && h.module_id === r.module_id).length,
        p95_ms: bucket(percentile(values, 0.95)),
        p99_ms: bucket(percentile(values, 0.99)),
      });
    }
    expect(rows.find((r) => r.app_id === SHOP && r.module_id === 'cart')).toMatchObject({
      p95_ms: 1000,
      p99_ms: 3000,
    });
  },
  rollup_errors_per_hour(rows) {
    const expected = errorsPerHour();
    expect(rows).toHaveLength(expected.size);
    for (const r of rows) {
      const hour = new Date(String(r.hour).replace(' ', 'T').replace(/\+00$/, 'Z')).getUTCHours();
      expect(expected.get(`${r.app_id}|${hour}`)).toEqual({
        hits: r.hits,
        not_found: r.not_found,
        server_errors: r.server_errors,
      });
    }
  },
  status_funnel(rows) {
    expect(rows).toEqual([{ started: 4, succeeded: 2, failed: 1, still_running: 1, slowest_ms: 5000 }]);
  },
  runs_by_outcome(rows) {
    expect(rows.map((r) => [r.request_id, r.outcome])).toEqual([
      ['req-1', 'SUCCEEDED'],
      ['req-2', 'FAILED'],
      ['req-3', 'RUNNING'],
      ['req-4', 'SUCCEEDED'],
    ]);
  },
  bots(rows) {
    const blog = seed.filter((r) => r.app_id === BLOG);
    expect(rows).toEqual([
      { app_id: BLOG, all_hits: blog.length, human_hits: blog.length - 3, bot_hits: 3 },
      {
        app_id: SHOP,
        all_hits: seed.length - blog.length,
        human_hits: seed.length - blog.length,
        bot_hits: 0,
      },
    ]);
  },
  join_functions_log(rows) {
    expect(rows).toEqual([
      {
        request_id: 'req-1',
        status: 'SUCCEEDED',
        status_code: 200,
        response_time_ms: 800,
        function_name: 'checkout',
        duration_ms: 1900,
        error: null,
      },
      {
        request_id: 'req-2',
        status: 'FAILED',
        status_code: 500,
        response_time_ms: 800,
        function_name: 'checkout',
        duration_ms: 5000,
        error: 'card declined',
      },
    ]);
  },
  sessions(rows) {
    const of = (actor: string) =>
      rows
        .filter((r) => r.actor === actor)
        .map((r) => [r.session_no, r.session_start, r.session_end, r.pageviews]);
    expect(of('blog-reader')).toEqual([
      [1, '2026-11-24 09:00:00+00', '2026-11-24 09:10:00+00', 2],
      [2, '2026-11-24 09:50:00+00', '2026-11-24 10:05:00+00', 2],
    ]);
    expect(of('s-2')).toEqual([[1, '2026-11-24 09:05:00+00', '2026-11-24 09:20:00+00', 2]]);
    expect(of('shop-v9')).toHaveLength(3);
  },
  ab_variants(rows) {
    const withMeta = seed.filter((r) => r.event_type === 'pageview' && r.metadata !== null);
    expect(rows).toEqual(
      [...countBy(withMeta, (r) => JSON.parse(r.metadata ?? '{}').ab)]
        .sort()
        .map(([variant, pageviews]) => ({ variant, pageviews })),
    );
  },
  top_browsers(rows) {
    expect(rows.map((r) => `${r.browser}|${r.device_type}|${r.pageviews}|${r.visitors}`)).toEqual(
      breakdown(humanPageviews, (r) => `${r.browser}|${r.device_type}`),
    );
    // The seed's user agents, as the transformer's parser names them.
    expect(rows.map((r) => `${r.browser} ${r.device_type}`).sort()).toEqual([
      'Chrome desktop',
      'Chrome mobile',
      'Firefox desktop',
      'Safari mobile',
    ]);
  },
  top_os(rows) {
    expect(rows.map((r) => `${r.os}|${r.pageviews}|${r.visitors}`)).toEqual(
      breakdown(humanPageviews, (r) => `${r.os}`),
    );
    expect(rows.map((r) => r.os).sort()).toEqual(['Android', 'Linux', 'Windows', 'iOS']);
  },
  countries(rows) {
    expect(rows.map((r) => `${r.country}|${r.pageviews}|${r.visitors}`)).toEqual(
      breakdown(humanPageviews, (r) => r.country ?? 'unknown'),
    );
    expect(rows.map((r) => r.country).sort()).toEqual(['DE', 'US', 'unknown']);
  },
  channels(rows) {
    expect(rows.map((r) => `${r.channel}|${r.pageviews}|${r.visitors}`)).toEqual(
      breakdown(humanPageviews, (r) => `${r.channel}`),
    );
    expect(rows.map((r) => r.channel).sort()).toEqual([
      'ai_assistant',
      'direct',
      'email',
      'internal',
      'organic_search',
      'organic_social',
      'paid_search',
    ]);
  },
  utm_campaigns(rows) {
    const tagged = humanPageviews.filter((r) => r.utm_source || r.utm_medium || r.utm_campaign);
    expect(
      rows.map((r) => `${r.utm_source}/${r.utm_medium}/${r.utm_campaign}|${r.pageviews}|${r.visitors}`),
    ).toEqual(breakdown(tagged, (r) => `${r.utm_source}/${r.utm_medium}/${r.utm_campaign}`));
    expect(rows.map((r) => r.utm_campaign).sort()).toEqual(['black-friday', 'winter-sale']);
  },
  web_vitals_p75(rows) {
    const pages = [...countBy(webVitals, (r) => `${r.url_host}${r.url_path}`)].sort(
      (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1),
    );
    expect(rows.map((r) => `${r.url_host}${r.url_path}`)).toEqual(pages.map(([page]) => page));
    for (const r of rows) {
      const views = webVitals.filter((v) => v.url_host === r.url_host && v.url_path === r.url_path);
      const p75 = (metric: 'lcp_ms' | 'inp_ms' | 'cls' | 'fcp_ms' | 'ttfb_ms') =>
        percentile(
          views.flatMap((v) => (v[metric] === null || v[metric] === undefined ? [] : [v[metric]])),
          0.75,
        );
      expect(r).toEqual({
        url_host: r.url_host,
        url_path: r.url_path,
        views: views.length,
        views_with_inp: views.filter((v) => v.inp_ms !== null && v.inp_ms !== undefined).length,
        lcp_p75_ms: p75('lcp_ms'),
        inp_p75_ms: p75('inp_ms'),
        cls_p75: p75('cls'),
        fcp_p75_ms: p75('fcp_ms'),
        ttfb_p75_ms: p75('ttfb_ms'),
      });
    }
    // Views without an INP (no interaction) are left out of its percentile, not counted as 0.
    expect(rows.find((r) => r.url_path === '/')).toMatchObject({
      views: 6,
      views_with_inp: 4,
      inp_p75_ms: 440,
    });
  },
  open_hour_dedup(rows) {
    const hits = countBy(
      seed.filter((r) => r.timestamp.startsWith('2026-11-24T11')),
      (r) => r.app_id,
    );
    expect(rows).toEqual([...hits].sort().map(([app_id, n]) => ({ app_id, hits: n })));
  },
  time_window(rows) {
    const [from, to] = [Date.parse('2026-11-24T11:30:00Z'), Date.parse('2026-11-24T12:00:00Z')];
    const inWindow = seed.filter((r) => Date.parse(r.timestamp) >= from && Date.parse(r.timestamp) < to);
    const ts = inWindow.map((r) => r.timestamp).sort();
    const show = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}+00`;
    expect(rows).toEqual([
      { hits: inWindow.length, first_hit: show(ts[0]), last_hit: show(ts[ts.length - 1]) },
    ]);
  },
};

let dir: string;
let pglite: Sql;
let duck: QueryEngine;

async function seedRollups(db: Queryable) {
  await migrate(db as Sql);
  await db.query("SELECT alt_ensure_month('2026-11-24T00:00:00Z')");
  for (const r of rollupsOf(seed)) {
    await db.query(
      `INSERT INTO hits_hourly (app_id, hour, client_sub_id, module_id, event_type, source, status_code, status, hits, bot_hits, rt_count, rt_sum, rt_hist)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        r.app_id,
        r.hour,
        r.client_sub_id,
        r.module_id,
        r.event_type,
        r.source,
        r.status_code,
        r.status,
        r.hits,
        r.bot_hits,
        r.rt_count,
        r.rt_sum,
        r.rt_hist,
      ],
    );
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-docs-'));
  await seedLake(join(dir, 'lake'), seed);
  // Client retries in a later batch file of hour 11: the lake holds those hits twice until the
  // hour is compacted (the local `hits` view shows them once; `hits_stored` twice).
  const retried = seed
    .filter((r) => r.timestamp.startsWith('2026-11-24T11'))
    .slice(0, 3)
    .map((r) => ({ ...r, received_at: new Date(Date.parse(r.received_at) + 5_000).toISOString() }));
  expect(retried.length).toBeGreaterThan(0);
  await seedLake(join(dir, 'lake'), retried, { fileName: 'retry.parquet' });
  pglite = await createPglite();
  await seedRollups(pglite);
  duck = await createDuckdbEngine({ lakeDir: join(dir, 'lake'), rollups: pglite });
  await duck.run(
    'CREATE TABLE functions_log (request_id VARCHAR, function_name VARCHAR, duration_ms INTEGER, error VARCHAR)',
  );
  for (const f of FUNCTIONS_LOG) {
    await duck.run(
      `INSERT INTO functions_log VALUES ('${f.request_id}', '${f.function_name}', ${f.duration_ms}, ${f.error === null ? 'NULL' : `'${f.error}'`})`,
    );
  }
});
afterAll(async () => {
  await duck?.close();
  await pglite?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('docs/analysts-athena.md', () => {
  it('marks every SQL block with an engine and a unique name, each with a check here', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    for (const b of blocks) {
      expect(['athena', 'postgres'], `${b.doc}:${b.line}`).toContain(b.engine);
    }
    const names = blocks.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(Object.keys(checks).sort());
  });

  it('filters every lake query on the partition columns and quotes "timestamp"', () => {
    for (const b of athenaBlocks) {
      for (const p of PARTITION_COLUMNS.slice(0, 3)) {
        expect(b.sql, `${b.name} filters on ${p.name}`).toMatch(new RegExp(`\\b${p.name} = \\d+`));
      }
      expect(b.sql.replaceAll('"timestamp"', ''), `${b.name} quotes "timestamp"`).not.toMatch(
        /\btimestamp\b(?! ')/i,
      );
    }
  });

  it.each(athenaBlocks.map((b) => [b.name, b] as const))(
    '%s runs on the local lake and matches the seed',
    async (name, b) => {
      const rows = rowObjects(await duck.run(b.sql));
      expect(rows.length, `${name} returns rows`).toBeGreaterThan(0);
      checks[name](rows);
    },
  );

  it('open_hour_dedup counts each hit once over files that hold copies (as on Athena)', async () => {
    const b = athenaBlocks.find((x) => x.name === 'open_hour_dedup');
    expect(b?.sql).toMatch(/\bFROM hits\b/);
    const sql = b!.sql.replace(/\bFROM hits\b/, 'FROM hits_stored');
    const stored = rowObjects(await duck.run('SELECT count(*) AS n FROM hits_stored WHERE hour = 11'));
    const view = rowObjects(await duck.run('SELECT count(*) AS n FROM hits WHERE hour = 11'));
    expect(Number(stored[0].n)).toBeGreaterThan(Number(view[0].n));
    checks.open_hour_dedup(rowObjects(await duck.run(sql)));
  });

  it.each(postgresBlocks.map((b) => [b.name, b] as const))(
    '%s runs on PGlite and the local hits_hourly alike',
    async (name, b) => {
      const pg = (await pglite.query<Row>(b.sql)).rows;
      const local = rowObjects(await duck.run(b.sql));
      expect(local.length).toBeGreaterThan(0);
      checks[name](local);
      const norm = (rows: Row[]) =>
        rows.map((r) =>
          Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])),
        );
      const localIso = local.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            k === 'hour' ? new Date(String(v).replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString() : v,
          ]),
        ),
      );
      expect(norm(pg)).toEqual(localIso);
    },
  );

  it.runIf(Boolean(databaseUrl))('rollup queries run on PostgreSQL 15 as written', async () => {
    const t = await createTestSchema();
    try {
      await seedRollups(t.db);
      for (const b of postgresBlocks) {
        const rows = (await t.db.query<Row>(b.sql)).rows;
        expect(rows, b.name).toEqual((await pglite.query<Row>(b.sql)).rows);
      }
    } finally {
      await t.drop();
    }
  });

  it('sends each lake query to Athena as written, in the workgroup and database', async () => {
    const athena = mockClient(AthenaClient);
    try {
      athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => ({
        QueryExecutionId: `q-${athenaBlocks.findIndex((b) => b.sql === input.QueryString)}`,
      }));
      athena.on(GetQueryExecutionCommand).resolves({
        QueryExecution: {
          Status: { State: 'SUCCEEDED' },
          StatementType: 'DML',
          Statistics: { DataScannedInBytes: 1234 },
        },
      });
      athena.on(GetQueryResultsCommand).resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] },
          Rows: [{ Data: [{ VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '1' }] }],
        },
      });
      const engine = createAthenaEngine({
        client: new AthenaClient({ region: 'us-east-1' }),
        workgroup: 'alt-dev-analysts',
        database: 'alt',
        sleep: async () => {},
      });
      for (const [i, b] of athenaBlocks.entries()) {
        const r = await engine.run(b.sql);
        expect(r.stats.queryId).toBe(`q-${i}`);
        expect(r.rows).toEqual([[1]]);
      }
      const sent = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
      expect(sent).toEqual(
        athenaBlocks.map((b) => ({
          QueryString: b.sql,
          WorkGroup: 'alt-dev-analysts',
          QueryExecutionContext: { Database: 'alt', Catalog: undefined },
          ResultConfiguration: undefined,
        })),
      );
    } finally {
      athena.restore();
    }
  });
});

describe('docs/analysts-athena.md on the projection and the quality checks', () => {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'analysts-athena.md'), 'utf8');

  it('states the projected years and partitions per year the Glue table gets', () => {
    const params = projectionParameters('s3://lake/', projectionYears(new Date('2026-06-01T00:00:00Z')));
    expect(params['projection.year.range']).toBe(`${LAKE_FIRST_YEAR},2027`);
    expect(text).toContain(`(${LAKE_FIRST_YEAR}, \`LAKE_FIRST_YEAR\``);
    const perYear = ['month', 'day', 'hour'].reduce((n, c) => {
      const [min, max] = params[`projection.${c}.range`].split(',').map(Number);
      return n * (max - min + 1);
    }, 1);
    expect(text).toContain(`${perYear.toLocaleString('en-US')} hour partitions a year`);
  });

  it('states the default window of the checks and the checks it names exist', () => {
    expect(text).toContain(`the last ${DEFAULT_QUALITY_DAYS} by default`);
    expect(text).toContain(`covers the last ${DEFAULT_QUALITY_DAYS} days whenever it runs`);
    expect(qualityQueries().map((q) => q.name)).toEqual(
      expect.arrayContaining(['duplicate_log_id', 'null_partition', 'partition_mismatch', 'invalid_status']),
    );
  });
});
