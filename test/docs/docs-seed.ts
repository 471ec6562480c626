/**
 * The day of hits the analyst docs' queries run on (2026-11-24, hours 09–11 UTC), built so every
 * documented query returns rows and the checked ones have answers computable from these rows.
 * Rows are schema version 2: `country` and the Web Vitals set here as the collector would, the
 * transformer's columns (browser … utm_content) derived by the transformer's own deriver.
 */

import type { LakeRow } from '../../schemas/lake.ts';
import { HISTOGRAM_CELLS, LATENCY_BUCKETS_MS, ROLLUP_DIMENSIONS } from '../../schemas/rollups.ts';
import { createEnrichingDeriver, fragmentText } from '../../transformer/core/derive.ts';
import { makeLakeRow } from '../helpers/seed-lake.ts';

export const SHOP = 'alt_shopDemo00000000000001';
export const BLOG = 'alt_blogDemo00000000000002';

/** Real User-Agent strings of the four browser/platform pairs the docs' breakdowns show. */
const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
} as const;

/** A visitor id stands for one device and place (it hashes IP and UA): its browser and country. */
const DEVICES: Record<string, { user_agent: string; country: string | null }> = {
  'shop-v0': { user_agent: UA.chromeWindows, country: 'DE' },
  'shop-v1': { user_agent: UA.safariIphone, country: 'US' },
  'shop-v2': { user_agent: UA.chromeAndroid, country: 'DE' },
  'shop-v3': { user_agent: UA.firefoxLinux, country: null },
  'shop-v4': { user_agent: UA.chromeWindows, country: 'US' },
  'shop-v8': { user_agent: UA.safariIphone, country: 'DE' },
  'shop-v9': { user_agent: UA.chromeWindows, country: 'US' },
  'blog-v3': { user_agent: UA.firefoxLinux, country: 'DE' },
  'blog-v4': { user_agent: UA.safariIphone, country: 'US' },
  'blog-v5': { user_agent: UA.chromeAndroid, country: null },
  'blog-reader': { user_agent: UA.chromeWindows, country: 'DE' },
  'blog-opted-in': { user_agent: UA.safariIphone, country: 'US' },
};

/**
 * How a shop pageview arrived (by its index in the hour): the query string of its URL and its
 * referrer — search, social, an AI assistant, a newsletter, a paid search ad, a link within the
 * shop, or nothing (direct).
 */
const ARRIVALS: { query: string; referrer: string | null }[] = [
  { query: '', referrer: 'https://www.google.com/' },
  { query: '', referrer: 'https://www.facebook.com/' },
  { query: '', referrer: 'https://chatgpt.com/' },
  { query: '?utm_source=newsletter&utm_medium=email&utm_campaign=black-friday', referrer: null },
  {
    query: '?utm_source=google&utm_medium=cpc&utm_campaign=winter-sale',
    referrer: 'https://www.google.com/',
  },
  { query: '', referrer: 'https://shop.example/' },
  { query: '', referrer: null },
];

const at = (hh: number, mm: number, ss = 0) =>
  `2026-11-24T${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}.000Z`;

function pageviews(): LakeRow[] {
  const rows: LakeRow[] = [];
  // Shop, tenant "acme": 20 pageviews per module in each hour with latencies 10..200 ms,
  // plus a slow tail in the cart at 11:00 (the P95/P99 case).
  for (const hour of [9, 10, 11]) {
    for (const module of ['home', 'cart']) {
      for (let i = 0; i < 20; i++) {
        const slow = module === 'cart' && hour === 11 && i >= 18;
        rows.push(
          makeLakeRow({
            app_id: SHOP,
            client_sub_id: 'acme',
            module_id: module,
            timestamp: at(hour, 2 * i + (module === 'cart' ? 1 : 0)),
            url: `https://shop.example/${module === 'home' ? '' : 'cart'}${ARRIVALS[i % ARRIVALS.length].query}`,
            referrer: ARRIVALS[i % ARRIVALS.length].referrer,
            visitor_id: `shop-v${i % 5}`,
            response_time_ms: slow ? 2500 + i : 10 * (i + 1),
            metadata: i % 2 === 0 ? '{"ab":"A"}' : '{"ab":"B"}',
          }),
        );
      }
    }
  }
  // 404 spike at 10:00, a few elsewhere; a 5xx spike at 11:00.
  for (const [hour, n] of [
    [9, 1],
    [10, 6],
    [11, 1],
  ]) {
    for (let i = 0; i < n; i++) {
      rows.push(
        makeLakeRow({
          app_id: SHOP,
          client_sub_id: 'acme',
          module_id: 'home',
          timestamp: at(hour, 45 + i),
          url: `https://shop.example/missing-${i}`,
          visitor_id: 'shop-v9',
          status_code: 404,
          response_time_ms: 30,
        }),
      );
    }
  }
  for (let i = 0; i < 4; i++) {
    rows.push(
      makeLakeRow({
        app_id: SHOP,
        client_sub_id: 'acme',
        module_id: 'cart',
        timestamp: at(11, 50 + i),
        url: 'https://shop.example/cart',
        visitor_id: 'shop-v8',
        status_code: 503,
        response_time_ms: 1000,
      }),
    );
  }
  // Blog keeps bot hits (bot_policy keep): 3 bots among its pageviews.
  for (let i = 0; i < 6; i++) {
    rows.push(
      makeLakeRow({
        app_id: BLOG,
        timestamp: at(10, 10 + i),
        url: 'https://blog.example/post/1',
        visitor_id: `blog-v${i}`,
        is_bot: i < 3,
        ...(i < 3 ? { user_agent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' } : {}),
        referrer: i < 3 ? null : 'https://www.google.com/',
        response_time_ms: 50,
      }),
    );
  }
  return rows;
}

/** Sessions: one visitor with a 40-minute gap (two sessions), one opted-in session id. */
function sessions(): LakeRow[] {
  const v = (ts: string, sessionId: string | null, visitor: string, referrer: string | null) =>
    makeLakeRow({
      app_id: BLOG,
      timestamp: ts,
      visitor_id: visitor,
      session_id: sessionId,
      url: 'https://blog.example/',
      referrer,
      response_time_ms: 40,
    });
  const internal = 'https://blog.example/post/1';
  return [
    v(at(9, 0), null, 'blog-reader', 'https://www.google.com/'),
    v(at(9, 10), null, 'blog-reader', internal),
    v(at(9, 50), null, 'blog-reader', 'https://chatgpt.com/'),
    v(at(10, 5), null, 'blog-reader', internal),
    v(at(9, 5), 's-2', 'blog-opted-in', 'https://www.facebook.com/'),
    v(at(9, 20), 's-2', 'blog-opted-in', internal),
  ];
}

/** Server-side job runs: RUNNING then SUCCEEDED/FAILED per request_id, one still running. */
function runs(): LakeRow[] {
  const step = (req: string, status: 'RUNNING' | 'SUCCEEDED' | 'FAILED', ts: string, code: number | null) =>
    makeLakeRow({
      app_id: SHOP,
      client_sub_id: 'acme',
      event_type: 'request',
      event_name: 'checkout',
      source: 'server',
      timestamp: ts,
      url: 'https://api.shop.example/checkout',
      visitor_id: 'server',
      request_id: req,
      status,
      status_code: code,
      response_time_ms: status === 'RUNNING' ? null : 800,
    });
  return [
    step('req-1', 'RUNNING', at(10, 0), null),
    step('req-1', 'SUCCEEDED', at(10, 0, 2), 200),
    step('req-2', 'RUNNING', at(10, 1), null),
    step('req-2', 'FAILED', at(10, 1, 5), 500),
    step('req-3', 'RUNNING', at(10, 2), null),
    // A run that crosses into the next hour's partition.
    step('req-4', 'RUNNING', at(11, 59, 58), null),
    step('req-4', 'SUCCEEDED', at(12, 0, 1), 200),
  ];
}

/**
 * The Web Vitals add-on's hits: one `web_vitals` event after each of the blog's human pageviews,
 * sent when the page is hidden, with the view's URL and visitor (so its device). On the blog because
 * its hours have no 404/5xx: more shop hits would dilute the rates `error_spikes` is checked on. INP is left out where the visitor did
 * not interact (the add-on sends no value then, never 0).
 */
function webVitals(views: LakeRow[]): LakeRow[] {
  const blogViews = views.filter((r) => r.app_id === BLOG && r.event_type === 'pageview' && !r.is_bot);
  return blogViews.map((view, i) =>
    makeLakeRow({
      app_id: BLOG,
      event_type: 'event',
      event_name: 'web_vitals',
      timestamp: new Date(Date.parse(view.timestamp) + 30_000).toISOString(),
      url: view.url,
      referrer: view.referrer,
      visitor_id: view.visitor_id,
      session_id: view.session_id,
      status_code: null,
      response_time_ms: null,
      lcp_ms: 900 + 350 * i,
      inp_ms: i % 3 === 2 ? null : 80 + 60 * i,
      fcp_ms: 400 + 100 * i,
      ttfb_ms: 90 + 15 * i,
      cls: [0, 0.02, 0.05, 0.11, 0.31, 0.08, 0.004, 0.15, 0.27][i % 9],
    }),
  );
}

const derive = createEnrichingDeriver();

/**
 * The row as the lake holds it: the visitor's device and country (`DEVICES`), then the columns the
 * transformer derives from user_agent, url and referrer, from its own fragment.
 */
function asWritten(row: LakeRow): LakeRow {
  const device = row.is_bot ? undefined : DEVICES[row.visitor_id];
  const r: LakeRow = {
    ...row,
    user_agent: device?.user_agent ?? row.user_agent,
    country: device?.country ?? null,
  };
  // The fragment is `,"browser":"Chrome",…` (or empty): the members of a JSON object.
  return { ...r, ...JSON.parse(`{${fragmentText(derive, r).slice(1)}}`) };
}

export function docsSeedRows(): LakeRow[] {
  const views = [...pageviews(), ...sessions()];
  return [...views, ...webVitals(views), ...runs()].map(asWritten);
}

/** Rows of the functions_log table the join example uses (a backend's own log). */
export const FUNCTIONS_LOG = [
  { request_id: 'req-1', function_name: 'checkout', duration_ms: 1900, error: null },
  { request_id: 'req-2', function_name: 'checkout', duration_ms: 5000, error: 'card declined' },
  { request_id: 'req-9', function_name: 'refund', duration_ms: 100, error: null },
];

export interface RollupRow {
  app_id: string;
  hour: string;
  client_sub_id: string | null;
  module_id: string | null;
  event_type: string;
  source: string;
  status_code: number | null;
  status: string | null;
  hits: number;
  bot_hits: number;
  rt_count: number;
  rt_sum: number;
  rt_hist: number[];
}

/** What the transformer's rollup step makes of these rows (DESIGN §7), for seeding hits_hourly. */
export function rollupsOf(rows: LakeRow[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const r of rows) {
    const hour = `${r.timestamp.slice(0, 13)}:00:00.000Z`;
    const key = JSON.stringify([r.app_id, hour, ...ROLLUP_DIMENSIONS.map((d) => r[d])]);
    let agg = byKey.get(key);
    if (!agg) {
      agg = {
        app_id: r.app_id,
        hour,
        client_sub_id: r.client_sub_id,
        module_id: r.module_id,
        event_type: r.event_type,
        source: r.source,
        status_code: r.status_code,
        status: r.status,
        hits: 0,
        bot_hits: 0,
        rt_count: 0,
        rt_sum: 0,
        rt_hist: new Array(HISTOGRAM_CELLS).fill(0),
      };
      byKey.set(key, agg);
    }
    agg.hits += 1;
    if (r.is_bot) agg.bot_hits += 1;
    if (r.response_time_ms !== null) {
      agg.rt_count += 1;
      agg.rt_sum += r.response_time_ms;
      const cell = LATENCY_BUCKETS_MS.findIndex(
        (b) => r.response_time_ms !== null && r.response_time_ms <= b,
      );
      agg.rt_hist[cell === -1 ? LATENCY_BUCKETS_MS.length : cell] += 1;
    }
  }
  return [...byKey.values()];
}
