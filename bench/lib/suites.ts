/**
 * How each benchmark script's own JSON becomes table figures. The collector script writes figures
 * itself; the transformer and beacon scripts (other modules' benches) write their own shapes, read
 * here field by field — a field that is missing just drops its figure. Pure.
 */
import type { Figure } from './results.ts';
import { thirdsTrend } from './rss-trend.ts';

type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), o);

/**
 * Batches left out of the memory trend: DuckDB's buffers and V8's heap size up on the first ones.
 * Node 24's heap keeps growing for ~40 batches of 50k hits before it levels (measured 2026-12-06:
 * RSS medians by 20 batches 614, 712, 731, 733, 749, 753 MiB over 120 batches), so the trend is
 * taken over the batches after those.
 */
export const SOAK_SETTLE_BATCHES = 40;

/** The soak run (batch after batch, each made and dropped) → the RSS trend, held to 32 MiB. */
function memoryFigure(soak: unknown): Figure | undefined {
  const rss = get(soak, 'rssMiBAfterEachBatch');
  const batchHits = num(get(soak, 'batchHits'));
  if (!Array.isArray(rss) || batchHits === undefined) return undefined;
  const trend = thirdsTrend(rss.slice(SOAK_SETTLE_BATCHES).map(Number));
  if (trend === undefined) return undefined;
  const hits = rss.length * batchHits;
  return {
    id: 'transformer.memory.rss-trend',
    label: `transformer memory: RSS trend over ${rss.length} batches of ${batchHits / 1000}k hits, one after another`,
    value: trend,
    unit: 'MiB',
    target: { on: 'value', op: '<=', value: 32 },
    note: `median of the last third − of the first, from batch ${SOAK_SETTLE_BATCHES + 1}; ${(hits / 1e6).toFixed(1)}M hits, RSS ${Math.min(...rss)}–${Math.max(...rss)} MiB`,
  };
}

/**
 * `bench/transformer.ts` → writer throughput against DuckDB's own ceiling (medians of interleaved
 * rounds), on the machine's cores and pinned to one core, and rollups/s.
 */
export function transformerFigures(j: unknown): { transformer: Figure[]; rollups: Figure[] } {
  const transformer: Figure[] = [];
  const roundsNote = (o: unknown) => {
    const r = get(o, 'rounds');
    return Array.isArray(r) && r.length > 1
      ? `median of ${r.length} rounds: ${r.map((x) => Math.round(Number(x) / 1000)).join('k, ')}k`
      : undefined;
  };
  const scopes: [string, unknown, string][] = [
    ['', j, ''],
    ['.one-core', get(j, 'oneCore'), ', one core (taskset)'],
  ];
  for (const [suffix, o, where] of scopes) {
    if (!o) continue;
    const ceiling = num(get(o, 'ceiling', 'hitsPerSec'));
    const base =
      ceiling === undefined ? undefined : { label: `DuckDB read_json → COPY${where}`, value: ceiling };
    if (ceiling !== undefined) {
      transformer.push({
        id: `transformer.ceiling${suffix}`,
        label: `DuckDB's own read_json → COPY (the ceiling)${where}`,
        value: ceiling,
        unit: 'hits/s',
        note: roundsNote(get(o, 'ceiling')),
      });
    }
    const writers: [string, string][] = [
      ['duckdb', 'transformer, DuckDB read_json path'],
      ['processor-duckdb', 'transformer, whole batch (core, raw/ archive, Parquet, lake puts)'],
      ['duckdb-appender', 'transformer, DuckDB appender path'],
      ['parquetjs', 'transformer, parquetjs-lite (pure JS)'],
    ];
    for (const [key, label] of writers) {
      const w = get(o, 'writers', key);
      const v = num(get(w, 'hitsPerSec'));
      if (v === undefined) continue;
      transformer.push({
        id: `transformer.${key}${suffix}`,
        label: `${label}, end to end${where}`,
        value: v,
        unit: 'hits/s',
        baseline: base,
        target: key === 'duckdb' ? { on: 'ratio', op: '>=', value: 0.3 } : undefined,
        note: roundsNote(w),
      });
      if (key === 'duckdb') {
        transformer.push({
          id: `transformer.duckdb.absolute${suffix}`,
          label: `${label}, absolute${where}`,
          value: v,
          unit: 'hits/s',
          target: { on: 'value', op: '>=', value: 100_000 },
        });
      }
    }
  }
  const soak = memoryFigure(get(j, 'soak'));
  if (soak) transformer.push(soak);
  for (const f of transformer) if (!f.note) delete f.note;
  const rollups: Figure[] = [];
  const r = num(get(j, 'rollups', 'hitsPerSec'));
  if (r !== undefined) {
    rollups.push({
      id: 'rollups.hits-per-sec',
      label: 'rollup upserts into PostgreSQL, hits/s',
      value: r,
      unit: 'hits/s',
      target: { on: 'value', op: '>=', value: 50_000 },
      note: [
        num(get(j, 'rollups', 'keyUpsertsPerSec')) !== undefined
          ? `${Math.round(num(get(j, 'rollups', 'keyUpsertsPerSec'))!)} keys/s`
          : '',
      ]
        .filter(Boolean)
        .join(''),
    });
  }
  for (const f of rollups) if (!f.note) delete f.note;
  return { transformer, rollups };
}

/**
 * `bench/beacon.ts` → gzip size against the 1,024-byte budget (DESIGN §8), parse + execute time
 * in chromium against an empty inline script, and that every hit it sent was accepted.
 */
export function beaconFigures(j: unknown): Figure[] {
  const out: Figure[] = [];
  const gzip = num(get(j, 'bytes', 'gzip'));
  const raw = num(get(j, 'bytes', 'raw'));
  const br = num(get(j, 'bytes', 'br'));
  if (gzip !== undefined) {
    const note = [raw !== undefined ? `${raw} B raw` : '', br !== undefined ? `${br} B brotli` : '']
      .filter(Boolean)
      .join(', ');
    out.push({
      id: 'beacon.gzip',
      label: 'beacon size, gzip',
      value: gzip,
      unit: 'bytes',
      target: { on: 'value', op: '<=', value: 1024 },
      ...(note ? { note } : {}),
    });
  }
  const pe = num(get(j, 'parse_execute_ms', 'median'));
  const empty = num(get(j, 'empty_inline_script_ms', 'median'));
  if (pe !== undefined) {
    out.push({
      id: 'beacon.parse-execute',
      label: 'beacon parse + execute in chromium, median',
      value: pe,
      unit: 'ms',
      baseline: empty !== undefined ? { label: 'empty inline script', value: empty } : undefined,
    });
  }
  const ev = num(get(j, 'event_call_us', 'median'));
  if (ev !== undefined) {
    out.push({ id: 'beacon.event-call', label: "one alt('event', …) call, median", value: ev, unit: 'µs' });
  }
  const refused = num(get(j, 'requests_refused_by_collector'));
  if (refused !== undefined) {
    out.push({
      id: 'beacon.refused',
      label: 'beacon requests refused by the validating collector',
      value: refused,
      unit: 'count',
      target: { on: 'value', op: '==', value: 0 },
    });
  }
  return out;
}

/**
 * `bench/country.ts` → CPU time per country lookup over a mix of IPv4 and IPv6 addresses, held to
 * 1 µs (issue #19), against `maskIp` on the same addresses; IPv6 alone; and the plain mmdb-lib
 * reader it replaced.
 */
export function countryFigures(j: unknown): Figure[] {
  const out: Figure[] = [];
  const us = (id: string) => {
    const ns = num(get(j, 'perLookupNs', id, 'cpu'));
    return ns === undefined ? undefined : ns / 1000;
  };
  const mix = us('country');
  const mask = us('maskIp');
  const v4 = num(get(j, 'addresses', 'ipv4'));
  const v6 = num(get(j, 'addresses', 'ipv6'));
  const baseline = mask !== undefined ? { label: 'maskIp on the same addresses', value: mask } : undefined;
  if (mix !== undefined) {
    out.push({
      id: 'country.lookup',
      label: 'country lookup per hit, CPU time',
      value: mix,
      unit: 'µs',
      baseline,
      target: { on: 'value', op: '<=', value: 1 },
      ...(v4 !== undefined && v6 !== undefined
        ? { note: `${v4 / 1000}k random public IPv4 + ${v6 / 1000}k IPv6 in announced networks, each once` }
        : {}),
    });
  }
  const ipv6 = us('country.ipv6');
  if (ipv6 !== undefined) {
    out.push({
      id: 'country.lookup.ipv6',
      label: 'country lookup per hit, IPv6 only, CPU time',
      value: ipv6,
      unit: 'µs',
      target: { on: 'value', op: '<=', value: 1 },
    });
  }
  const reader = us('mmdb-lib');
  if (reader !== undefined) {
    out.push({
      id: 'country.mmdb-lib',
      label: "mmdb-lib's own get (the design not taken), CPU time",
      value: reader,
      unit: 'µs',
      baseline,
    });
  }
  return out;
}

/**
 * `bench/enrich.ts` → hits/s of the transformer's enrichment (UA, URL, referrer, UTM, channel)
 * against `JSON.parse` of the same records in the same run, held to 1,000,000 hits/s so that it
 * stays a small part of the transformer's ≥ 100,000 hits/s; and parse + enrich together. The
 * script counts per second of main-thread CPU time, i.e. what one core does.
 */
export function enrichFigures(j: unknown): Figure[] {
  const out: Figure[] = [];
  const base = num(get(j, 'baseline', 'hitsPerSec'));
  const baseline = base === undefined ? undefined : { label: 'JSON.parse of the same records', value: base };
  const hits = num(get(j, 'hits'));
  const uas = num(get(j, 'distinctUserAgents'));
  const rounds = get(j, 'enrich', 'rounds');
  const enrich = num(get(j, 'enrich', 'hitsPerSec'));
  if (enrich !== undefined) {
    const note = [
      hits !== undefined ? `${hits / 1000}k hits` : '',
      uas !== undefined ? `${uas} distinct UAs` : '',
      Array.isArray(rounds) && rounds.length > 1 ? `median of ${rounds.length} rounds` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.push({
      id: 'enrich.hits-per-sec',
      label: 'enrichHit (UA, URL, referrer, UTM, channel), per second of one core',
      value: enrich,
      unit: 'hits/s',
      baseline,
      target: { on: 'value', op: '>=', value: 1_000_000 },
      ...(note ? { note } : {}),
    });
  }
  const both = num(get(j, 'parseAndEnrich', 'hitsPerSec'));
  if (both !== undefined) {
    out.push({
      id: 'enrich.parse-and-enrich',
      label: 'JSON.parse + enrichHit per record, per second of one core',
      value: both,
      unit: 'hits/s',
      baseline,
    });
  }
  return out;
}

interface RawRun {
  concurrency: number;
  appendsPerSec: number;
  appendsPerFsync: number;
}
interface BatcherRun {
  workers: number;
  durableHitsPerSec: number;
  submitLatencyMs?: { p50: number; p99: number };
}

/**
 * `bench/segment-log.ts` → group commit (appends/s with 64 concurrent appenders against one at a
 * time) and durable hits/s through the batcher over the log, held to the 5,000 hits/s the
 * collector claims.
 */
export function segmentLogFigures(j: unknown): Figure[] {
  const out: Figure[] = [];
  const raw = (get(j, 'raw') as RawRun[] | undefined) ?? [];
  const single = raw.find((r) => r.concurrency === 1);
  for (const r of raw.filter((x) => x.concurrency > 1)) {
    out.push({
      id: `segment-log.group-commit.c${r.concurrency}`,
      label: `segment log appends/s, ${r.concurrency} concurrent appenders`,
      value: r.appendsPerSec,
      unit: 'appends/s',
      baseline: single
        ? { label: 'one append at a time, one fsync each', value: single.appendsPerSec }
        : undefined,
      note: `${r.appendsPerFsync} appends per fsync`,
    });
  }
  for (const b of (get(j, 'batcher') as BatcherRun[] | undefined) ?? []) {
    out.push({
      id: `segment-log.batcher.w${b.workers}`,
      label: `durable hits/s through the batcher, ${b.workers} concurrent submitters`,
      value: b.durableHitsPerSec,
      unit: 'hits/s',
      target: { on: 'value', op: '>=', value: 5000 },
      ...(b.submitLatencyMs
        ? { note: `submit p50 ${b.submitLatencyMs.p50} ms, p99 ${b.submitLatencyMs.p99} ms` }
        : {}),
    });
  }
  return out;
}
