/**
 * The console's AWS adapter: counts and lag from CloudWatch (mocked at the SDK boundary: the
 * queries must name the stack's metrics and dimensions), apps and the overview through the Data
 * API (a fake over real PostgreSQL), the snippet for the stack's public collector URL.
 */
import { createHash } from 'node:crypto';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_METRICS, COLLECTOR_METRICS_NAMESPACE } from '../collector/metric-names.ts';
import { createDataApiQueryable } from '../lib/db/data-api.ts';
import type { Sql } from '../lib/db/sql.ts';
import { HISTOGRAM_CELLS } from '../schemas/rollups.ts';
import { type FakeDataApi, migratedFakeDataApi } from '../test/helpers/fake-data-api.ts';
import { databaseUrl } from '../test/helpers/postgres.ts';
import { createAwsConsoleSource } from './aws-source.ts';
import { readOverviewHours } from './overview.ts';
import { serveConsole } from './server.ts';

const NOW = new Date('2026-12-06T10:25:00Z');
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:alt-prod-db-cluster';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-x';
const base = {
  stackName: 'prod',
  region: 'eu-west-1',
  clusterArn: CLUSTER,
  secretArn: SECRET,
  database: 'alt',
  collectorUrl: 'https://t.example.com',
  manifest: {
    file: 'b.0123456789.js',
    integrity: 'sha384-beacon',
    vitals: { file: 'v.0123456789.js', integrity: 'sha384-vitals' },
  },
  collectorGroupName: 'alt-prod-collector',
  transformerFunction: 'alt-prod-transformer-fn-1a2b',
  now: () => NOW,
};

describe('counts and lag from CloudWatch', () => {
  const cw = mockClient(CloudWatchClient);
  const inputs: GetMetricDataCommandInput[] = [];
  afterEach(() => {
    cw.reset();
    inputs.length = 0;
  });
  afterAll(() => cw.restore());
  const source = () =>
    createAwsConsoleSource({
      ...base,
      db: { query: notUsed, exec: notUsed },
      cloudWatch: new CloudWatchClient({}),
    });

  it("sums the collector group's hit counters over the last hour, across result pages", async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      inputs.push(input);
      return input.NextToken
        ? {
            MetricDataResults: [
              { Id: 'accepted', Values: [5] },
              { Id: 'refused', Values: [] },
            ],
          }
        : {
            NextToken: 'page-2',
            MetricDataResults: [
              { Id: 'accepted', Values: [120, 80, 0] },
              { Id: 'refused', Values: [3, 1] },
              { Id: 'bots', Values: [7] },
            ],
          };
    });
    expect(await source().counts()).toEqual({
      accepted: 205,
      refused: 4,
      dropped_bots: 7,
      window_minutes: 60,
    });
    expect(inputs).toHaveLength(2);
    expect(inputs[1].NextToken).toBe('page-2');
    const q = inputs[0];
    expect(q.EndTime).toEqual(NOW);
    expect(q.StartTime).toEqual(new Date(NOW.getTime() - 3_600_000));
    const metrics = q.MetricDataQueries!.map((m) => [
      m.Id,
      m.MetricStat?.Metric?.Namespace,
      m.MetricStat?.Metric?.MetricName,
      m.MetricStat?.Metric?.Dimensions,
      m.MetricStat?.Stat,
    ]);
    const group = [{ Name: 'AutoScalingGroupName', Value: base.collectorGroupName }];
    expect(metrics).toEqual([
      ['accepted', COLLECTOR_METRICS_NAMESPACE, COLLECTOR_METRICS.hitsAccepted, group, 'Sum'],
      ['refused', COLLECTOR_METRICS_NAMESPACE, COLLECTOR_METRICS.hitsRejected, group, 'Sum'],
      ['bots', COLLECTOR_METRICS_NAMESPACE, COLLECTOR_METRICS.botHits, group, 'Sum'],
    ]);
  });

  it('counts zero when the collector sent nothing in the hour', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    expect(await source().counts()).toEqual({ accepted: 0, refused: 0, dropped_bots: 0, window_minutes: 60 });
  });

  it("reads lag as the transformer's latest IteratorAge in seconds, null without a batch", async () => {
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      inputs.push(input);
      return { MetricDataResults: [{ Id: 'iterator_age', Values: [42_500, 900_000] }] };
    });
    expect(await source().lag()).toEqual({ hits: null, seconds: 42.5 });
    const [query] = inputs[0].MetricDataQueries!;
    expect(inputs[0].ScanBy).toBe('TimestampDescending');
    expect(query.MetricStat?.Metric).toEqual({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: base.transformerFunction }],
    });
    cw.reset();
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'iterator_age', Values: [] }] });
    expect(await source().lag()).toEqual({ hits: null, seconds: null });
  });

  it('has no live view, no lake summary, and names the stack', async () => {
    const s = source();
    expect(s.live).toBeUndefined();
    expect(await s.lake()).toBeNull();
    expect(s.label).toBe('stack prod (eu-west-1)');
  });

  it("renders the snippet for the stack's public collector URL with the CSP sources it needs", async () => {
    const { html, csp } = await source().snippet('alt_AAAAAAAAAAAAAAAAAAAAAA', { vitals: true, sub: 'eu' });
    expect(html).toContain('src="https://t.example.com/b.0123456789.js" integrity="sha384-beacon"');
    expect(html).toContain('src="https://t.example.com/v.0123456789.js" integrity="sha384-vitals"');
    expect(html).toContain('data-sub="eu"');
    expect(html).toContain('https://t.example.com/v1/p.gif?app_id=alt_AAAAAAAAAAAAAAAAAAAAAA');
    expect(csp.connect_src).toEqual(['https://t.example.com']);
    expect(csp.img_src).toEqual(['https://t.example.com']);
    expect(csp.script_src[0]).toBe('https://t.example.com');
    await expect(source().snippet('nope', {})).rejects.toThrow(/not an app id/);
  });

  it('renders the inline snippet when asked, with the hash of the code as its script-src', async () => {
    const code = '(()=>{})();';
    const s = createAwsConsoleSource({
      ...base,
      manifest: { ...base.manifest, code },
      db: { query: notUsed, exec: notUsed },
      cloudWatch: new CloudWatchClient({}),
    });
    const { html, csp } = await s.snippet('alt_AAAAAAAAAAAAAAAAAAAAAA', { inline: true });
    expect(html).toContain(
      `<script data-app="alt_AAAAAAAAAAAAAAAAAAAAAA" data-api="https://t.example.com">${code}</script>`,
    );
    expect(csp.script_src).toEqual([`'sha256-${createHash('sha256').update(code).digest('base64')}'`]);
    expect(csp.connect_src).toEqual(['https://t.example.com']);
    // A build without its code (an older manifest) says so instead of printing a broken snippet.
    await expect(source().snippet('alt_AAAAAAAAAAAAAAAAAAAAAA', { inline: true })).rejects.toThrow(
      /no code of the beacon/,
    );
  });
});

function notUsed(): never {
  throw new Error('the database is not used here');
}

describe.runIf(Boolean(databaseUrl))('apps and overview through the Data API', () => {
  let direct: Sql;
  let fake: FakeDataApi;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ direct, fake, close } = await migratedFakeDataApi(CLUSTER));
  });
  afterAll(async () => close?.());

  it('creates, pages newest first, updates and rotates apps in the stack database', async () => {
    const s = createAwsConsoleSource({ ...base, rdsData: fake.client, cloudWatch: new CloudWatchClient({}) });
    const first = await s.apps.create({ name: 'Docs', origins: ['https://docs.example'] });
    const second = await s.apps.create({ name: 'Shop', bot_policy: 'keep' });
    expect(first.write_key).toMatch(/\S{20,}/);
    expect(first).toMatchObject({
      name: 'Docs',
      allowed_origins: ['https://docs.example'],
      disabled_at: null,
    });
    expect(await s.apps.page({ limit: 10 })).toEqual({
      apps: [await s.apps.get(second.app_id), await s.apps.get(first.app_id)],
      total: 2,
    });
    const updated = await s.apps.update(first.app_id, {
      allowed_origins: ['https://a.example', 'https://b.example'],
    });
    expect(updated?.allowed_origins).toEqual(['https://a.example', 'https://b.example']);
    expect(await s.apps.disable(second.app_id)).toBe(true);
    expect((await s.apps.get(second.app_id))?.disabled_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await s.apps.rotateKey(first.app_id)).not.toBe(first.write_key);
    await expect(s.apps.create({ name: 'Bad', bot_policy: 'maybe' })).rejects.toThrow(/drop or keep/);
    // Every statement went to the stack's cluster with its secret.
    expect(new Set(fake.calls.map((c) => `${c.resourceArn} ${c.secretArn} ${c.database}`))).toEqual(
      new Set([`${CLUSTER} ${SECRET} alt`]),
    );
  });

  it('gives the overview hours of hits_hourly and no top pages', async () => {
    await direct.query(
      `INSERT INTO hits_hourly (app_id, hour, event_type, source, status_code, hits, rt_count, rt_hist)
       VALUES ($1, $2, 'pageview', 'beacon', 200, 12, 0, array_fill(0::bigint, ARRAY[${HISTOGRAM_CELLS}])),
              ($1, $3, 'click', 'beacon', 500, 2, 0, array_fill(0::bigint, ARRAY[${HISTOGRAM_CELLS}]))`,
      ['alt_AAAAAAAAAAAAAAAAAAAAAA', '2026-12-06T09:00:00Z', '2026-12-06T10:00:00Z'],
    );
    const s = createAwsConsoleSource({ ...base, rdsData: fake.client, cloudWatch: new CloudWatchClient({}) });
    const o = await s.overview({ hours: 24 });
    expect(o.top_pages).toBeNull();
    expect(o.hours).toEqual(await readOverviewHours(direct, { hours: 24, now: NOW }));
    expect(o.hours.map((h) => [h.hour, h.pageviews, h.hits])).toEqual([
      ['2026-12-06T09:00:00Z', 12, 12],
      ['2026-12-06T10:00:00Z', 0, 2],
    ]);
    // Through the same adapter the test for lib/db/data-api.ts covers.
    const viaApi = createDataApiQueryable({
      client: fake.client,
      resourceArn: CLUSTER,
      secretArn: SECRET,
      database: 'alt',
    });
    expect(
      await readOverviewHours(viaApi, { appId: 'alt_AAAAAAAAAAAAAAAAAAAAAA', hours: 1, now: NOW }),
    ).toEqual(o.hours.slice(1));
  });

  it("serves the stack's console on loopback only: the link signs in, the pages and the API reach the stack's database", async () => {
    const cw = mockClient(CloudWatchClient);
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const s = createAwsConsoleSource({ ...base, rdsData: fake.client, cloudWatch: new CloudWatchClient({}) });
    const server = await serveConsole(s, { host: '127.0.0.1', port: 0, token: 'k'.repeat(43) });
    try {
      const url = new URL(server.url);
      expect(url.hostname).toBe('127.0.0.1');
      expect((await fetch(`${url.origin}/_alt/apps`)).status).toBe(401);
      const signIn = await fetch(server.url, { redirect: 'manual' });
      expect(signIn.status).toBe(303);
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
      const created = await fetch(`${url.origin}/_alt/api/apps`, {
        method: 'POST',
        headers: { cookie, origin: url.origin, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'From the stack console' }),
      });
      expect(created.status).toBeLessThan(300);
      const { app_id } = (await created.json()) as { app_id: string };
      const stored = await direct.query<{ name: string }>('SELECT name FROM applications WHERE app_id = $1', [
        app_id,
      ]);
      expect(stored.rows).toEqual([{ name: 'From the stack console' }]);
      const apps = await (await fetch(`${url.origin}/_alt/apps`, { headers: { cookie } })).text();
      expect(apps).toContain('From the stack console');
      expect(apps).toContain('stack prod (eu-west-1)');
      const overview = await fetch(`${url.origin}/_alt/`, { headers: { cookie } });
      expect(overview.status).toBe(200);
      expect((await fetch(`${url.origin}/_alt/api/live`, { headers: { cookie } })).status).toBe(404);
    } finally {
      await server.close();
      cw.restore();
    }
  });
});
