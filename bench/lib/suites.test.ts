import { describe, expect, it } from 'vitest';
import { summarizeCpuProfile } from './cpu-profile.ts';
import { evaluate } from './results.ts';
import {
  beaconFigures,
  countryFigures,
  enrichFigures,
  SOAK_SETTLE_BATCHES,
  segmentLogFigures,
  transformerFigures,
} from './suites.ts';

describe('transformer bench result → figures', () => {
  const result = {
    ceiling: { hitsPerSec: 96_019 },
    writers: {
      duckdb: { hitsPerSec: 23_300 },
      parquetjs: { hitsPerSec: 6_810 },
    },
    rollups: { hitsPerSec: 754_658, keyUpsertsPerSec: 4830 },
  };

  it('holds the DuckDB path to 0.3× the ceiling and 100,000 hits/s, rollups to 50,000 hits/s', () => {
    const { transformer, rollups } = transformerFigures(result);
    const duck = evaluate(transformer.find((f) => f.id === 'transformer.duckdb')!);
    expect(duck.ratio).toBeCloseTo(23_300 / 96_019);
    expect(duck.met).toBe(false);
    expect(evaluate(transformer.find((f) => f.id === 'transformer.duckdb.absolute')!).met).toBe(false);
    expect(transformer.find((f) => f.id === 'transformer.parquetjs')?.target).toBeUndefined();
    expect(evaluate(rollups[0]).met).toBe(true);
    expect(rollups[0].note).toBe('4830 keys/s');
  });

  it('reports the one-core run beside the default one, with the rounds behind each median', () => {
    const { transformer } = transformerFigures({
      ...result,
      writers: {
        ...result.writers,
        'processor-duckdb': { hitsPerSec: 20_000, rounds: [19_000, 20_000, 21_500] },
      },
      oneCore: {
        ceiling: { hitsPerSec: 240_000 },
        writers: { duckdb: { hitsPerSec: 120_000 }, 'processor-duckdb': { hitsPerSec: 100_000 } },
      },
    });
    const one = evaluate(transformer.find((f) => f.id === 'transformer.duckdb.one-core')!);
    expect(one.ratio).toBeCloseTo(0.5);
    expect(one.met).toBe(true);
    expect(evaluate(transformer.find((f) => f.id === 'transformer.duckdb.absolute.one-core')!).met).toBe(
      true,
    );
    expect(transformer.find((f) => f.id === 'transformer.processor-duckdb')?.note).toBe(
      'median of 3 rounds: 19k, 20k, 22k',
    );
    expect(transformer.find((f) => f.id === 'transformer.processor-duckdb')?.target).toBeUndefined();
  });

  it('holds memory over the soak run to a trend of 32 MiB, after the first batches', () => {
    // RSS after each batch: the first 20 of the 2026-12-05 soak five times (flat), and with 3 MiB more per batch.
    const flat = [
      421, 524, 510, 520, 539, 517, 570, 531, 545, 526, 568, 514, 437, 407, 419, 440, 423, 482, 495, 474,
    ];
    const soak = (rss: number[]) =>
      transformerFigures({ soak: { batchHits: 50_000, rssMiBAfterEachBatch: rss } }).transformer.find(
        (f) => f.id === 'transformer.memory.rss-trend',
      )!;
    const run = [...flat, ...flat, ...flat, ...flat, ...flat]; // 100 batches, as the bench runs it
    const ok = evaluate(soak(run));
    expect(ok.met).toBe(true);
    expect(ok.note).toContain('5.0M hits, RSS 407–570 MiB');
    // Growth during the settling batches is not counted; growth after them is.
    const settling = evaluate(soak(run.map((v, i) => (i < SOAK_SETTLE_BATCHES ? v - 300 + 7 * i : v))));
    expect(settling.met).toBe(true);
    const leaking = evaluate(soak(run.map((v, i) => v + 3 * i)));
    expect(leaking.met).toBe(false);
    expect(soak(flat.slice(0, 8))).toBeUndefined();
  });

  it('drops figures whose fields are missing instead of reporting zeros', () => {
    const { transformer, rollups } = transformerFigures({ writers: { duckdb: { hitsPerSec: 5 } } });
    expect(transformer.map((f) => f.id)).toEqual(['transformer.duckdb', 'transformer.duckdb.absolute']);
    expect(transformer[0].baseline).toBeUndefined();
    expect(rollups).toEqual([]);
  });
});

describe('beacon bench result → figures', () => {
  const result = {
    bytes: { raw: 2100, gzip: 980, br: 850 },
    parse_execute_ms: { median: 0.4, p95: 0.9 },
    empty_inline_script_ms: { median: 0.1 },
    event_call_us: { median: 3.2 },
    requests_refused_by_collector: 0,
  };

  it('holds the gzip size to the 1,024-byte budget and counts refused hits', () => {
    const figs = beaconFigures(result).map(evaluate);
    const gz = figs.find((f) => f.id === 'beacon.gzip')!;
    expect(gz.met).toBe(true);
    expect(gz.note).toBe('2100 B raw, 850 B brotli');
    expect(figs.find((f) => f.id === 'beacon.parse-execute')!.ratio).toBeCloseTo(4);
    expect(figs.find((f) => f.id === 'beacon.refused')!.met).toBe(true);
    const over = beaconFigures({ ...result, bytes: { gzip: 1100 } }).map(evaluate);
    expect(over[0].met).toBe(false);
    expect(over[0].note).toBeUndefined();
  });
});

describe('country bench result → figures', () => {
  const result = {
    addresses: { ipv4: 100_000, ipv6: 30_000 },
    perLookupNs: {
      maskIp: { cpu: 1700 },
      country: { cpu: 520 },
      'country.ipv6': { cpu: 1100 },
      'mmdb-lib': { cpu: 2100 },
    },
  };

  it('holds the lookup per hit, and IPv6 alone, to 1 µs of CPU time, against maskIp', () => {
    const figs = countryFigures(result).map(evaluate);
    const mix = figs.find((f) => f.id === 'country.lookup')!;
    expect(mix.value).toBeCloseTo(0.52);
    expect(mix.met).toBe(true);
    expect(mix.ratio).toBeCloseTo(520 / 1700);
    expect(mix.note).toBe('100k random public IPv4 + 30k IPv6 in announced networks, each once');
    expect(figs.find((f) => f.id === 'country.lookup.ipv6')!.met).toBe(false);
    expect(figs.find((f) => f.id === 'country.mmdb-lib')!.target).toBeUndefined();
    expect(countryFigures({})).toEqual([]);
  });
});

describe('segment-log bench result → figures', () => {
  it('shows group commit against one append at a time and holds the batcher to 5,000 hits/s', () => {
    const figs = segmentLogFigures({
      raw: [
        { concurrency: 1, appendsPerSec: 262, appendsPerFsync: 1 },
        { concurrency: 64, appendsPerSec: 4877, appendsPerFsync: 31.7 },
      ],
      batcher: [
        { workers: 100, durableHitsPerSec: 7440, submitLatencyMs: { p50: 10.58, p99: 68.04 } },
        { workers: 10, durableHitsPerSec: 900 },
      ],
    }).map(evaluate);
    expect(figs.map((f) => f.id)).toEqual([
      'segment-log.group-commit.c64',
      'segment-log.batcher.w100',
      'segment-log.batcher.w10',
    ]);
    expect(figs[0].ratio).toBeCloseTo(4877 / 262);
    expect(figs[0].note).toBe('31.7 appends per fsync');
    expect(figs[1].met).toBe(true);
    expect(figs[1].note).toBe('submit p50 10.58 ms, p99 68.04 ms');
    expect(figs[2].met).toBe(false);
    expect(figs[2].note).toBeUndefined();
  });
});

describe('CPU profile summary', () => {
  const profile = {
    startTime: 0,
    endTime: 10_000_000,
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, hitCount: 0 },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, hitCount: 2 },
      {
        id: 3,
        callFrame: {
          functionName: 'compile',
          url: 'file:///repo/node_modules/ajv/lib/core.js',
          lineNumber: 9,
        },
        hitCount: 3,
      },
      {
        id: 4,
        callFrame: { functionName: 'submit', url: 'file:///repo/collector/batcher.ts', lineNumber: 0 },
        hitCount: 5,
      },
    ],
    // start-up (ajv compiling) first, then the load (batcher)
    samples: [3, 3, 3, 2, 4, 4, 4, 4, 4, 2],
    timeDeltas: [1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6],
  };

  it('ranks self time by module and by function, idle apart', () => {
    const s = summarizeCpuProfile(profile, { root: '/repo' });
    expect(s.modules[0]).toEqual({ name: 'collector/batcher.ts', self: 0.5 });
    expect(s.modules[1]).toEqual({ name: 'ajv', self: 0.3 });
    expect(s.functions[0].name).toBe('submit collector/batcher.ts:1');
    expect(s.idle).toBeCloseTo(0.2);
  });

  it('can keep only the last seconds of the profile (the load, not the start-up)', () => {
    const s = summarizeCpuProfile(profile, { root: '/repo', lastMs: 6000 });
    expect(s.modules.map((m) => m.name)).toEqual(['collector/batcher.ts']);
    expect(s.samples).toBe(7);
  });
});

describe('enrich bench result → figures', () => {
  const result = {
    hits: 500_000,
    distinctUserAgents: 248,
    baseline: { hitsPerSec: 900_000 },
    enrich: { hitsPerSec: 1_350_000, rounds: [1_300_000, 1_350_000, 1_400_000] },
    parseAndEnrich: { hitsPerSec: 540_000 },
  };

  it('holds enrichment to 1,000,000 hits/s and reports it against JSON.parse of the same records', () => {
    const figs = enrichFigures(result).map(evaluate);
    const e = figs.find((f) => f.id === 'enrich.hits-per-sec')!;
    expect(e.ratio).toBeCloseTo(1.5);
    expect(e.met).toBe(true);
    expect(e.note).toBe('500k hits, 248 distinct UAs, median of 3 rounds');
    expect(figs.find((f) => f.id === 'enrich.parse-and-enrich')!.ratio).toBeCloseTo(0.6);
    const slow = enrichFigures({ ...result, enrich: { hitsPerSec: 400_000 } }).map(evaluate);
    expect(slow[0].met).toBe(false);
  });

  it('drops what the result lacks', () => {
    expect(enrichFigures({})).toEqual([]);
  });
});
