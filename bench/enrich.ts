/**
 * Enrichment micro-benchmark: hits/s of `enrichHit` (UA → browser/OS/device, URL and referrer →
 * hosts, path, UTM tags, channel) over a realistic batch, against `JSON.parse` of the same
 * records measured in the same run — the transformer parses every record anyway, so the ratio
 * says what enrichment adds to it. Medians of interleaved rounds; each enrich round starts with
 * a fresh enricher (cold memos), as a new transformer process would. Rates are per second of the
 * main thread's CPU time (`process.threadCpuUsage`): on a shared machine that is what one core
 * would do alone, while wall-clock rates fall with every other process (both are written).
 * Writes `bench/results/enrich-<date>.json`. Run: `npx tsx bench/enrich.ts [--hits 500000] [--rounds 5]`.
 *
 * The batch: ~200 distinct user agents (browsers × versions × platforms, a few bots), referrers
 * from search engines, social networks, AI assistants, webmail, the site itself and a long tail
 * of other sites (or none), and ~20% landing URLs with UTM tags or click ids.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createEnricher, type EnrichInput } from '../transformer/enrich/index.ts';

const { values } = parseArgs({
  options: { hits: { type: 'string', default: '500000' }, rounds: { type: 'string', default: '5' } },
});
const HITS = Number(values.hits);
const ROUNDS = Number(values.rounds);

/** Deterministic, so every run measures the same batch. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(19);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function userAgents(): string[] {
  const out: string[] = [];
  for (let v = 120; v <= 139; v++) {
    out.push(
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
      `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
      `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`,
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0`,
      `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`,
      `Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`,
      `Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S92${v % 10}B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${v - 100}.0 Chrome/${v}.0.0.0 Mobile Safari/537.36`,
    );
  }
  for (let ios = 15; ios <= 18; ios++) {
    for (let minor = 0; minor <= 6; minor++) {
      out.push(
        `Mozilla/5.0 (iPhone; CPU iPhone OS ${ios}_${minor} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios}.${minor} Mobile/15E148 Safari/604.1`,
        `Mozilla/5.0 (iPad; CPU OS ${ios}_${minor} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios}.${minor} Mobile/15E148 Safari/604.1`,
        `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${ios}.${minor} Safari/605.1.15`,
      );
    }
  }
  out.push(
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/138.0.0.0 Safari/537.36',
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    'curl/8.5.0',
    'python-requests/2.32.3',
  );
  return out;
}

const SITE = 'https://www.shop.example.com';
const SEARCH = [
  'https://www.google.com/',
  'https://www.google.de/',
  'https://www.bing.com/',
  'https://duckduckgo.com/',
];
const SOCIAL = [
  'https://l.facebook.com/',
  'https://t.co/',
  'https://www.linkedin.com/',
  'https://www.reddit.com/',
];
const AI = ['https://chatgpt.com/', 'https://www.perplexity.ai/', 'https://gemini.google.com/'];
const MAIL = ['https://mail.google.com/', 'https://outlook.live.com/'];
const TAGS = [
  '?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale&utm_term=red%20shoes',
  '?utm_source=newsletter&utm_medium=email&utm_campaign=weekly-2026-12',
  '?utm_source=facebook&utm_medium=paid_social&utm_campaign=retarget&utm_content=carousel',
  '?gclid=Cj0KCQiA5rGuBhCnARIsAN11vgR',
  '?fbclid=IwAR2xYz0abcdEFGhijk',
  '?utm_source=chatgpt.com',
];

function makeRows(n: number): EnrichInput[] {
  const uas = userAgents();
  const rows: EnrichInput[] = [];
  for (let i = 0; i < n; i++) {
    const path = `/products/${Math.floor(rand() * 5000)}`;
    const r = rand();
    let referrer: string | null;
    if (r < 0.3) referrer = null;
    else if (r < 0.6) referrer = `${SITE}/products/${Math.floor(rand() * 5000)}`;
    else if (r < 0.75) referrer = pick(SEARCH);
    else if (r < 0.83) referrer = pick(SOCIAL);
    else if (r < 0.86) referrer = pick(AI);
    else if (r < 0.88) referrer = pick(MAIL);
    else referrer = `https://blog${Math.floor(rand() * 2000)}.example.org/post/${i % 97}`;
    const tags = rand() < 0.2 ? pick(TAGS) : '';
    const ua = uas[Math.floor(rand() ** 2 * uas.length)]; // a few UAs are most of the traffic
    rows.push({
      url: `${SITE}${path}${tags}`,
      referrer,
      user_agent: ua,
      is_bot: /bot|curl|python|Headless/.test(ua),
    });
  }
  return rows;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = makeRows(HITS);
// The records as the transformer receives them: one JSON line each, with the other columns too.
const lines = rows.map((r, i) =>
  JSON.stringify({
    log_id: `0193e0a0-0000-7000-8000-${String(i).padStart(12, '0')}`,
    app_id: 'alt_0123456789abcdefghijkl',
    event_type: 'pageview',
    source: 'beacon',
    timestamp: '2026-12-06T10:00:00.000Z',
    received_at: '2026-12-06T10:00:00.100Z',
    ...r,
    client_ip: '203.0.113.0',
    visitor_id: 'f3a1c2d4e5f60718',
    status_code: 200,
    response_time_ms: 120,
    schema_version: 1,
  }),
);

/** Main-thread CPU seconds (Node ≥ 23.9), else the process's (GC helper threads included). */
const cpuSeconds = (): number => {
  const u = process.threadCpuUsage?.() ?? process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Rate {
  cpu: number;
  wall: number;
}
function measure(run: () => void): Rate {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  run();
  const wall = (performance.now() - t0) / 1000;
  return { cpu: HITS / Math.max(cpuSeconds() - c0, 1e-9), wall: HITS / wall };
}

let sink = 0;
const timeJsonParse = () =>
  measure(() => {
    for (const l of lines) sink += (JSON.parse(l) as { status_code: number }).status_code;
  });
const timeEnrich = () =>
  measure(() => {
    const enrich = createEnricher();
    for (const r of rows) sink += enrich(r).channel.length;
  });
const timeParseAndEnrich = () =>
  measure(() => {
    const enrich = createEnricher();
    for (const l of lines) sink += enrich(JSON.parse(l) as EnrichInput).channel.length;
  });

// Warm-up (JIT), then interleaved rounds so load changes on the shared machine hit all three.
timeJsonParse();
timeEnrich();
const parseRates: Rate[] = [];
const enrichRates: Rate[] = [];
const bothRates: Rate[] = [];
for (let i = 0; i < ROUNDS; i++) {
  parseRates.push(timeJsonParse());
  enrichRates.push(timeEnrich());
  bothRates.push(timeParseAndEnrich());
}
const parse = parseRates.map((r) => r.cpu);
const enrich = enrichRates.map((r) => r.cpu);
const both = bothRates.map((r) => r.cpu);
const wall = (rs: Rate[]) => Math.round(median(rs.map((r) => r.wall)));

const enricher = createEnricher();
const channels: Record<string, number> = {};
const devices: Record<string, number> = {};
for (const r of rows) {
  const e = enricher(r);
  channels[e.channel] = (channels[e.channel] ?? 0) + 1;
  devices[e.device_type] = (devices[e.device_type] ?? 0) + 1;
}

const round = (xs: number[]) => xs.map((x) => Math.round(x));
const result = {
  date: new Date().toISOString(),
  node: process.version,
  hits: HITS,
  distinctUserAgents: new Set(rows.map((r) => r.user_agent)).size,
  distinctReferrers: new Set(rows.map((r) => r.referrer)).size,
  taggedShare: rows.filter((r) => r.url?.includes('?')).length / HITS,
  clock: 'main-thread CPU time',
  loadavgAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  baseline: {
    label: 'JSON.parse of the same records',
    hitsPerSec: Math.round(median(parse)),
    rounds: round(parse),
    wallHitsPerSec: wall(parseRates),
  },
  enrich: {
    hitsPerSec: Math.round(median(enrich)),
    rounds: round(enrich),
    wallHitsPerSec: wall(enrichRates),
  },
  parseAndEnrich: {
    hitsPerSec: Math.round(median(both)),
    rounds: round(both),
    wallHitsPerSec: wall(bothRates),
  },
  channels,
  devices,
  sink,
};

const out = join(
  dirname(fileURLToPath(import.meta.url)),
  'results',
  `enrich-${result.date.slice(0, 10)}.json`,
);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
const k = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')}k`;
console.log(
  `${HITS} hits, ${result.distinctUserAgents} distinct UAs, ${result.distinctReferrers} distinct referrers`,
);
console.log(`per second of main-thread CPU time (load average ${result.loadavgAtStart.join(' / ')}):`);
console.log(`JSON.parse (baseline): ${k(result.baseline.hitsPerSec)} hits/s  [${parse.map(k).join(', ')}]`);
console.log(
  `enrichHit:             ${k(result.enrich.hitsPerSec)} hits/s  [${enrich.map(k).join(', ')}]  = ${(result.enrich.hitsPerSec / result.baseline.hitsPerSec).toFixed(2)}× baseline`,
);
console.log(
  `JSON.parse + enrichHit: ${k(result.parseAndEnrich.hitsPerSec)} hits/s  [${both.map(k).join(', ')}]`,
);
console.log(`channels ${JSON.stringify(channels)}`);
console.log(`wrote ${out}`);
