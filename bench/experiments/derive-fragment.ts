/**
 * What the transformer's derive hook (`transformer/core/derive.ts`) costs when the enrichment is
 * wired: each kept line is rebuilt as `line[0 .. brace) + fragment + "}"` instead of passing its bytes
 * through. Interleaved rounds of the same batches planned (a) with nothing derived — the bytes as they
 * are, today's default — (b) with one constant fragment of every derived column (the hook's own cost:
 * rebuilding the lines), and (c) with a fragment memoised per (user agent, url, referrer) in a Map
 * (the hook plus a naive memo's lookup), and (d) the enrichment the transformer runs (the
 * module's `deriveInto`, planning's default), each alone and with the DuckDB write after it. Prints JSON:
 * ms per round (median) and the ratios to (a).
 *
 *   npx tsx bench/experiments/derive-fragment.ts [--hits 100000] [--rounds 5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StreamBatch } from '../../stream/contract.ts';
import { EnvelopeKind, encodeRows } from '../../stream/envelope.ts';
import { type DeriveFragment, deriveNothing, fragmentOf } from '../../transformer/core/derive.ts';
import { planBatch } from '../../transformer/core/plan.ts';
import { createWriter } from '../../transformer/parquet/index.ts';
import { makeRow } from '../lib/lake-rows.ts';

const { values } = parseArgs({ options: { hits: { type: 'string' }, rounds: { type: 'string' } } });
const HITS = Number(values.hits ?? 100_000);
const ROUNDS = Number(values.rounds ?? 5);
const PER_RECORD = 500;
const PER_BATCH = 20; // records: 10,000 hits a batch

const batches: StreamBatch[] = [];
for (let b = 0, i = 0; i < HITS; b++) {
  const records = [];
  for (let r = 0; r < PER_BATCH && i < HITS; r++) {
    const rows = Array.from({ length: Math.min(PER_RECORD, HITS - i) }, () => makeRow(i++));
    records.push({
      shardId: 's',
      sequenceNumber: String(b * PER_BATCH + r).padStart(20, '0'),
      arrivedAt: new Date(),
      data: encodeRows(EnvelopeKind.LAKE_ROWS, rows),
    });
  }
  batches.push({ shardId: 's', records });
}

// A realistic fragment: every transformer column set, memoised by the inputs.
const memo = new Map<string, string>();
const derived: DeriveFragment = (hit) => {
  const key = `${hit.user_agent}\u0000${hit.url}\u0000${hit.referrer}`;
  let f = memo.get(key);
  if (f === undefined) {
    const u = hit.url ? new URL(hit.url) : null;
    f = fragmentOf({
      browser: 'Chrome',
      browser_version: '131',
      os: 'Linux',
      os_version: null,
      device_type: 'desktop',
      url_host: u?.hostname ?? null,
      url_path: u?.pathname ?? null,
      referrer_host: hit.referrer ? new URL(hit.referrer).hostname : null,
      channel: hit.referrer ? 'organic_search' : 'direct',
      utm_source: u?.searchParams.get('ref') ?? null,
    });
    memo.set(key, f);
  }
  return f;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = await mkdtemp(join(tmpdir(), 'alt-derive-bench-'));
const writer = await createWriter('duckdb');
const VARIANTS = ['none', 'constant', 'memoised', 'enrichment'] as const;
type Variant = (typeof VARIANTS)[number];
const CONSTANT = fragmentOf({
  browser: 'Chrome',
  browser_version: '131',
  os: 'Linux',
  device_type: 'desktop',
  url_host: 'shop.example.com',
  url_path: '/products/1234',
  referrer_host: 'www.google.com',
  channel: 'organic_search',
  utm_source: 'campaign-7',
});
const HOOK: Record<Variant, DeriveFragment | undefined> = {
  none: deriveNothing,
  constant: () => CONSTANT,
  memoised: derived,
  // What the transformer runs (the module's `deriveInto`: transformer/enrich/ behind its memos).
  enrichment: undefined,
};
const empty = () => Object.fromEntries(VARIANTS.map((v) => [v, [] as number[]])) as Record<Variant, number[]>;
const times = { plan: empty(), planAndWrite: empty() };
try {
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const name of VARIANTS) {
      const fn = HOOK[name];
      let t = performance.now();
      const plans = batches.map((b) => planBatch(b, fn ? { deriveFragment: fn } : {}));
      const planMs = performance.now() - t;
      t = performance.now();
      for (const [i, p] of plans.entries())
        await writer.write(p.partitions[0], join(dir, `${name}-${i}.parquet`));
      const writeMs = performance.now() - t;
      if (round === 0) continue; // warm-up
      times.plan[name].push(planMs);
      times.planAndWrite[name].push(planMs + writeMs);
    }
  }
} finally {
  await writer.close();
  await rm(dir, { recursive: true, force: true });
}
const ms = (xs: Record<Variant, number[]>) =>
  Object.fromEntries(VARIANTS.map((v) => [v, +median(xs[v]).toFixed(1)]));
const ratios = (xs: Record<Variant, number[]>) =>
  Object.fromEntries(VARIANTS.slice(1).map((v) => [v, +(median(xs[v]) / median(xs.none)).toFixed(2)]));
const out = {
  hits: HITS,
  rounds: ROUNDS,
  planMs: ms(times.plan),
  planAndWriteMs: ms(times.planAndWrite),
  ratioToNone: { plan: ratios(times.plan), planAndWrite: ratios(times.planAndWrite) },
};
console.log(JSON.stringify(out, null, 2));
