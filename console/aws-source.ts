/**
 * The console against a deployed stack (`alt console --stack <name>`), from an operator's machine:
 * apps and the `hits_hourly` overview through the RDS Data API (IAM and the cluster's secret, no
 * route into the VPC), counts and lag from CloudWatch. Nothing is served on the public listener,
 * so there is no live view; top pages need a lake scan (`alt query --athena`), so they are null,
 * and so is the lake summary (listing the lake's objects would cost a request per 1,000 files on
 * every refresh).
 *
 * Counts are the collector's own counters, shipped by the CloudWatch agent (EMF, one delta per
 * scrape, summed over their labels per Auto Scaling group; infra/components/collector-user-data.ts):
 * `accepted` = hits acknowledged and handed to the stream (bots of either policy included),
 * `refused` = `alt_collector_hits_rejected_total` (one per refused request for wire errors, one per
 * hit for honoured opt-outs and overload), `dropped_bots` = bot hits, whatever their app's policy
 * (the agent keeps only the group dimension, not the policy label).
 * Lag is the transformer Lambda's `IteratorAge` (AWS/Lambda, ms): the age of the last record of its
 * last batch read from the stream
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
 */
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { type SnippetOptions, snippet, snippetCspSources } from '../beacon/snippet.ts';
import { COLLECTOR_METRICS, COLLECTOR_METRICS_NAMESPACE } from '../collector/metric-names.ts';
import { createSqlRegistry } from '../collector/registry/sql-registry.ts';
import { createDataApiQueryable } from '../lib/db/data-api.ts';
import type { Queryable } from '../lib/db/sql.ts';
import { readOverviewHours } from './overview.ts';
import { registryApps } from './registry-apps.ts';
import type { ConsoleSource } from './source.ts';

export interface AwsConsoleOptions {
  stackName: string;
  region: string;
  /** Aurora cluster ARN (stack output `auroraClusterArn`), with the Data API enabled. */
  clusterArn: string;
  /** Secret the Data API logs in with (stack output `auroraSecretArn`). */
  secretArn: string;
  /** Database name (stack output `auroraDatabase`). */
  database: string;
  /** The collector's public URL (stack output `collectorUrl`): the snippet's origin. */
  collectorUrl: string;
  /** The beacon build the snippet pins (SRI), as `alt apps snippet` does; with its code for inline snippets. */
  manifest: SnippetOptions['manifest'];
  /** The collector's Auto Scaling group (stack output `collectorGroupName`): its metrics' dimension. */
  collectorGroupName: string;
  /** The transformer Lambda (stack output `transformerFunction`). */
  transformerFunction: string;
  metricsNamespace?: string;
  rdsData?: RDSDataClient;
  cloudWatch?: CloudWatchClient;
  /** Instead of the Data API (tests). */
  db?: Queryable;
  now?: () => Date;
}

/** The window `counts()` covers. */
export const COUNT_WINDOW_MINUTES = 60;
/** How far back `lag()` looks for the transformer's last batch. */
export const LAG_LOOKBACK_MINUTES = 15;

/** The GetMetricData queries behind `counts()`: one per counter, per minute, for the collector group. */
export function countQueries(o: Pick<AwsConsoleOptions, 'collectorGroupName' | 'metricsNamespace'>) {
  const metric = (Id: string, MetricName: string): MetricDataQuery => ({
    Id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: o.metricsNamespace ?? COLLECTOR_METRICS_NAMESPACE,
        MetricName,
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: o.collectorGroupName }],
      },
      Period: 60,
      Stat: 'Sum',
    },
  });
  return [
    metric('accepted', COLLECTOR_METRICS.hitsAccepted),
    metric('refused', COLLECTOR_METRICS.hitsRejected),
    metric('bots', COLLECTOR_METRICS.botHits),
  ];
}

export function lagQuery(o: Pick<AwsConsoleOptions, 'transformerFunction'>): MetricDataQuery {
  return {
    Id: 'iterator_age',
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: o.transformerFunction }],
      },
      Period: 60,
      Stat: 'Maximum',
    },
  };
}

export function createAwsConsoleSource(o: AwsConsoleOptions): ConsoleSource {
  const now = o.now ?? (() => new Date());
  const db =
    o.db ??
    createDataApiQueryable({
      client: o.rdsData ?? new RDSDataClient({ region: o.region }),
      resourceArn: o.clusterArn,
      secretArn: o.secretArn,
      database: o.database,
    });
  const cloudWatch = o.cloudWatch ?? new CloudWatchClient({ region: o.region });
  // Checks the URL before anything is served.
  snippetCspSources(o.collectorUrl);

  /** Every datapoint of each query id over the window, newest first, across pages. */
  async function metricData(queries: MetricDataQuery[], minutes: number): Promise<Map<string, number[]>> {
    const end = now();
    const out = new Map<string, number[]>(queries.map((q) => [q.Id!, []]));
    let NextToken: string | undefined;
    do {
      const r = await cloudWatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(end.getTime() - minutes * 60_000),
          EndTime: end,
          ScanBy: 'TimestampDescending',
          NextToken,
        }),
      );
      for (const result of r.MetricDataResults ?? []) out.get(result.Id!)?.push(...(result.Values ?? []));
      NextToken = r.NextToken;
    } while (NextToken);
    return out;
  }

  const sum = (xs: number[] | undefined) => Math.round((xs ?? []).reduce((a, b) => a + b, 0));

  return {
    label: `stack ${o.stackName} (${o.region})`,
    apps: registryApps(createSqlRegistry(db)),
    async snippet(appId, opts) {
      return snippet({
        appId,
        collectorUrl: o.collectorUrl,
        manifest: o.manifest,
        sub: opts.sub,
        module: opts.module,
        vitals: opts.vitals,
        inline: opts.inline,
      });
    },
    async overview(q) {
      return { hours: await readOverviewHours(db, { ...q, now: now() }), top_pages: null };
    },
    async lag() {
      const values = (await metricData([lagQuery(o)], LAG_LOOKBACK_MINUTES)).get('iterator_age') ?? [];
      // No datapoint: no batch in the lookback (an idle stream, or a stopped mapping): unknown, not 0.
      return { hits: null, seconds: values.length ? values[0] / 1000 : null };
    },
    async lake() {
      return null;
    },
    async counts() {
      const data = await metricData(countQueries(o), COUNT_WINDOW_MINUTES);
      return {
        accepted: sum(data.get('accepted')),
        refused: sum(data.get('refused')),
        dropped_bots: sum(data.get('bots')),
        window_minutes: COUNT_WINDOW_MINUTES,
      };
    },
  };
}
