/**
 * The Data API adapter: the SQL it sends (placeholders, arrays, Dates, literals left alone), and,
 * against a real PostgreSQL behind a fake Data API at the SDK boundary, the registry and the
 * console overview giving the same answers through it as over a direct connection.
 */
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { readOverviewHours } from '../../console/overview.ts';
import { HISTOGRAM_CELLS, LATENCY_BUCKETS_MS } from '../../schemas/rollups.ts';
import { type FakeDataApi, migratedFakeDataApi } from '../../test/helpers/fake-data-api.ts';
import { databaseUrl } from '../../test/helpers/postgres.ts';
import {
  arrayLiteral,
  createDataApiQueryable,
  splitStatements,
  translate,
  utcTimestamp,
} from './data-api.ts';
import type { Sql } from './sql.ts';

const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:alt-prod-db-cluster';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-x';

describe('translate', () => {
  it('names $n parameters :pn, once each, and leaves literals, identifiers and comments alone', () => {
    const t = translate(
      `SELECT '$1', "$2", $1, $10 -- $3\n/* $3 /* $3 */ */ FROM t WHERE a = $1 AND b = $$ $2 $$ AND c = $q$;$q$`,
      ['a', null, null, null, null, null, null, null, null, 10],
    );
    expect(t.sql).toBe(
      `SELECT '$1', "$2", :p1, :p10 -- $3\n/* $3 /* $3 */ */ FROM t WHERE a = :p1 AND b = $$ $2 $$ AND c = $q$;$q$`,
    );
    expect(t.parameters).toEqual([
      { name: 'p1', value: { stringValue: 'a' } },
      { name: 'p10', value: { longValue: 10 } },
    ]);
  });

  it('sends arrays as their text form with a cast, Dates as instants cast to timestamptz', () => {
    const at = new Date('2026-12-06T10:25:00.5Z');
    const t = translate('SELECT $1, $2::text[], $3, $4, $5', [
      ['https://a.example', 'x,"y"\\z', null],
      [],
      at,
      [1, 2],
      { k: 1 },
    ]);
    expect(t.sql).toBe(
      'SELECT CAST(:p1 AS text[]), CAST(:p2 AS text[])::text[], CAST(:p3 AS timestamptz), CAST(:p4 AS bigint[]), :p5',
    );
    expect(t.parameters.map((p) => [p.value, p.typeHint])).toEqual([
      [{ stringValue: '{"https://a.example","x,\\"y\\"\\\\z",NULL}' }, undefined],
      [{ stringValue: '{}' }, undefined],
      [{ stringValue: '2026-12-06T10:25:00.500Z' }, undefined],
      [{ stringValue: '{"1","2"}' }, undefined],
      [{ stringValue: '{"k":1}' }, 'JSON'],
    ]);
    expect(arrayLiteral([['a'], ['b']])).toBe('{{"a"},{"b"}}');
  });

  it('refuses a $n beyond the parameters given, as pg does', () => {
    expect(() => translate('SELECT $2', ['a'])).toThrow(/\$2 in the SQL but 1 parameter/);
  });

  it('reads E-strings with backslash escapes and standard strings without', () => {
    expect(translate(`SELECT E'\\' $1', '\\', $1`, ['v']).sql).toBe(`SELECT E'\\' $1', '\\', :p1`);
  });

  it('splits statements on top-level semicolons only', () => {
    expect(
      splitStatements(`CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;
        -- a comment; with a semicolon
        INSERT INTO t VALUES (';');;`),
    ).toEqual([
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql',
      "-- a comment; with a semicolon\n        INSERT INTO t VALUES (';')",
    ]);
  });

  it('reads the UTC timestamps the Data API returns as instants', () => {
    expect(utcTimestamp('2026-12-06 10:25:00')).toBe('2026-12-06T10:25:00.000Z');
    expect(utcTimestamp('2026-12-06 10:25:00.123456')).toBe('2026-12-06T10:25:00.123Z');
    expect(utcTimestamp('2026-12-06 10:25:00.5+02')).toBe('2026-12-06T08:25:00.500Z');
  });
});

describe('a paused cluster', () => {
  const mock = mockClient(RDSDataClient);
  afterAll(() => mock.restore());

  it('is retried while it resumes, then answers', async () => {
    const resuming = Object.assign(new Error('The database is resuming'), {
      name: 'DatabaseResumingException',
    });
    mock
      .on(ExecuteStatementCommand)
      .rejectsOnce(resuming)
      .rejectsOnce(resuming)
      .resolves({ records: [[{ longValue: 1 }]], columnMetadata: [{ label: 'one', typeName: 'int4' }] });
    const slept: number[] = [];
    const db = createDataApiQueryable({
      client: new RDSDataClient({ region: 'eu-west-1' }),
      resourceArn: CLUSTER,
      secretArn: SECRET,
      database: 'alt',
      sleep: async (ms) => void slept.push(ms),
    });
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(slept).toHaveLength(2);
  });

  it('gives up after the resume timeout with the service error', async () => {
    mock.reset();
    mock
      .on(ExecuteStatementCommand)
      .rejects(Object.assign(new Error('The database is resuming'), { name: 'DatabaseResumingException' }));
    const db = createDataApiQueryable({
      client: new RDSDataClient({ region: 'eu-west-1' }),
      resourceArn: CLUSTER,
      secretArn: SECRET,
      database: 'alt',
      resumeTimeoutMs: 3_000,
      sleep: async () => undefined,
    });
    await expect(db.query('SELECT 1')).rejects.toThrow('The database is resuming');
  });
});

const A = 'alt_AAAAAAAAAAAAAAAAAAAAAA';
const B = 'alt_BBBBBBBBBBBBBBBBBBBBBB';

describe.runIf(Boolean(databaseUrl))('through a fake Data API over PostgreSQL', () => {
  let direct: Sql;
  let fake: FakeDataApi;
  let close: (() => Promise<void>) | undefined;
  let viaApi: ReturnType<typeof createDataApiQueryable>;

  beforeAll(async () => {
    ({ direct, fake, close } = await migratedFakeDataApi(CLUSTER));
    viaApi = createDataApiQueryable({
      client: fake.client,
      resourceArn: CLUSTER,
      secretArn: SECRET,
      database: 'alt',
    });
  });
  afterAll(async () => close?.());

  it('creates, finds, pages, updates, disables and rotates apps as a direct connection sees them', async () => {
    const api = createSqlRegistry(viaApi);
    const pgRegistry = createSqlRegistry(direct);
    const shop = await api.create({
      name: 'Shop 100%_off',
      origins: ['https://shop.example', 'https://www.shop.example:8443/path'],
    });
    const blog = await api.create({ name: 'Blog', botPolicy: 'keep' });
    expect(shop.app.allowedOrigins).toEqual(['https://shop.example', 'https://www.shop.example:8443']);
    expect(await pgRegistry.get(shop.app.appId)).toEqual(shop.app);
    expect(await api.get(shop.app.appId)).toEqual(shop.app);
    expect(await api.get(blog.app.appId)).toEqual(await pgRegistry.get(blog.app.appId));
    expect(shop.app.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);

    // Newest first, search by name (LIKE metacharacters as themselves) or id prefix.
    const page = await api.page({});
    expect(page).toEqual(await pgRegistry.page({}));
    expect(page.apps.map((a) => a.name)).toEqual(['Blog', 'Shop 100%_off']);
    expect(page.total).toBe(2);
    expect((await api.page({ search: '%_' })).apps.map((a) => a.appId)).toEqual([shop.app.appId]);
    expect((await api.page({ search: blog.app.appId.slice(0, 12) })).total).toBe(1);
    expect((await api.page({ limit: 1, offset: 1 })).apps.map((a) => a.name)).toEqual(['Shop 100%_off']);

    // Origins are a text[]: through the Data API as a cast text literal.
    const updated = await api.update(shop.app.appId, {
      origins: ['https://a.example', 'http://b.example:81'],
    });
    expect(updated?.allowedOrigins).toEqual(['https://a.example', 'http://b.example:81']);
    expect((await pgRegistry.get(shop.app.appId))?.allowedOrigins).toEqual(updated?.allowedOrigins);
    const policyOnly = await api.update(shop.app.appId, { botPolicy: 'keep' });
    expect(policyOnly).toMatchObject({ botPolicy: 'keep', allowedOrigins: updated?.allowedOrigins });
    expect((await api.update(shop.app.appId, { origins: [] }))?.allowedOrigins).toEqual([]);
    expect(await api.update('alt_CCCCCCCCCCCCCCCCCCCCCC', { botPolicy: 'drop' })).toBeNull();

    expect(await api.disable(blog.app.appId)).toBe(true);
    expect((await pgRegistry.get(blog.app.appId))?.disabledAt).toBeInstanceOf(Date);
    expect((await api.get(blog.app.appId))?.disabledAt).toEqual(
      (await pgRegistry.get(blog.app.appId))?.disabledAt,
    );
    expect(await api.enable(blog.app.appId)).toBe(true);
    expect((await api.get(blog.app.appId))?.disabledAt).toBeNull();
    expect(await api.disable('alt_CCCCCCCCCCCCCCCCCCCCCC')).toBe(false);

    const key = await api.rotateKey(shop.app.appId);
    expect(key).not.toBe(shop.writeKey);
    expect((await pgRegistry.getByWriteKey(key!))?.appId).toBe(shop.app.appId);
    expect(await pgRegistry.getByWriteKey(shop.writeKey)).toBeNull();
    expect((await api.getByWriteKey(key!))?.appId).toBe(shop.app.appId);
    expect(await api.rotateKey('alt_CCCCCCCCCCCCCCCCCCCCCC')).toBeNull();
    expect(await api.ping()).toBe(true);

    // No statement sent an array value: the service refuses them.
    for (const call of fake.calls)
      for (const p of call.parameters ?? []) expect(p.value).not.toHaveProperty('arrayValue');
  });

  it('reads the overview hours the direct connection reads', async () => {
    const now = new Date('2026-12-06T10:25:00Z');
    const hist = (bucketMs: number, n: number) => {
      const cells = new Array(HISTOGRAM_CELLS).fill(0);
      cells[LATENCY_BUCKETS_MS.indexOf(bucketMs as never)] = n;
      return `{${cells.join(',')}}`;
    };
    const rows: [string, string, string, number | null, number, string][] = [
      [A, '2026-12-06T10:00:00Z', 'pageview', 200, 10, hist(25, 10)],
      [A, '2026-12-06T10:00:00Z', 'pageview', 503, 1, hist(1500, 1)],
      [A, '2026-12-06T09:00:00Z', 'click', null, 5, hist(25, 0)],
      [B, '2026-12-06T10:00:00Z', 'pageview', 404, 7, hist(5, 7)],
    ];
    // Written through the Data API too: a Date for the hour, a text histogram cast to bigint[].
    for (const [app, hour, event, status, hits, h] of rows)
      await viaApi.query(
        `INSERT INTO hits_hourly (app_id, hour, event_type, source, status_code, hits, rt_count, rt_hist)
         VALUES ($1, $2, $3, 'beacon', $4, $5, $5, $6::bigint[])`,
        [app, new Date(hour), event, status, hits, h],
      );
    for (const q of [
      { hours: 3, now },
      { appId: A, hours: 3, now },
      { appId: B, hours: 1, now },
    ]) {
      const expected = await readOverviewHours(direct, q);
      expect(expected.length).toBeGreaterThan(0);
      expect(await readOverviewHours(viaApi, q)).toEqual(expected);
    }
    const [hour] = await readOverviewHours(viaApi, { appId: B, hours: 1, now });
    expect(hour).toMatchObject({ hour: '2026-12-06T10:00:00Z', pageviews: 7, status_classes: { '4xx': 7 } });
  });

  it('runs exec as one transaction: a failing statement leaves the others unapplied', async () => {
    await expect(
      viaApi.exec(
        `CREATE TABLE dapi_probe (n int); INSERT INTO dapi_probe VALUES (1); SELECT no_such_column`,
      ),
    ).rejects.toThrow(/no_such_column/);
    const r = await direct.query<{ t: string | null }>(`SELECT to_regclass('dapi_probe')::text AS t`);
    expect(r.rows[0].t).toBeNull();
    await viaApi.exec('CREATE TABLE dapi_probe (n int); INSERT INTO dapi_probe VALUES (1), (2)');
    expect((await viaApi.query('DELETE FROM dapi_probe WHERE n > 0')).rowCount).toBe(2);
  });
});
