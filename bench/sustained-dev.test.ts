import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OpenLoopResult, OpenLoopWindow } from './lib/open-loop.ts';
import type { LatencySummary } from './lib/percentiles.ts';
import {
  minuteCoreSpeed,
  minutesFrom,
  minuteTable,
  type Sample,
  type SustainedRaw,
  serverP99,
  sustainedFigures,
} from './sustained-dev.ts';

const lat = (p99: number): LatencySummary => ({
  count: 1,
  p50: 2,
  p90: 5,
  p99,
  p999: p99,
  max: p99 + 1,
  mean: 3,
});
const minute = (i: number, p99: number, failed = 0): OpenLoopWindow => ({
  fromSec: i * 60,
  intended: 300_000,
  ok: 300_000 - failed,
  non2xx: failed,
  errorCount: 0,
  latency: lat(p99),
});
const loop = (windows: OpenLoopWindow[] | undefined, ok: number): OpenLoopResult => ({
  transport: 'node:http',
  intended: ok,
  sent: ok,
  ok,
  statuses: { '202': ok },
  errors: {},
  errorCount: 0,
  latency: lat(10),
  sendLag: lat(1),
  achievedRatePerSec: 5000,
  wallSec: 60,
  windows,
});
/** 4 minutes, one sample every 5 s; RSS flat unless `rss` says otherwise. */
const samples = (lag: number | null, rss = (_t: number) => 600): Sample[] =>
  Array.from({ length: 48 }, (_, i) => ({
    tSec: i * 5,
    phase: 'steady',
    rssMiB: rss(i * 5),
    cpuSeconds: i * 4,
    processes: 1,
    lagHits: lag === null ? null : lag * 5000,
    lagSeconds: lag,
    hitsAccepted: i * 25_000,
    loopDelayMaxMs: 12,
  }));

function run(o: {
  windows: OpenLoopWindow[];
  lag: number | null;
  rss?: (t: number) => number;
  inLake: number;
  warmup?: OpenLoopWindow;
}) {
  const steady = {
    ...loop(
      o.windows,
      o.windows.reduce((a, w) => a + w.ok, 0),
    ),
    warmup: o.warmup,
  };
  const raw: SustainedRaw = {
    plan: {
      minutes: 4,
      rate: 5000,
      warmupSec: 30,
      poolConnections: 64,
      connections: 10_000,
      connectionsRate: 2500,
      connectionsSec: 20,
      sampleSec: 5,
    },
    cpus: { dev: '0', client: '1' },
    node: 'v24',
    loadavg: { start: [0], end: [0] },
    command: 'taskset -c 0 node bin/alt.mjs dev',
    collectorUrl: 'http://127.0.0.1:1',
    appId: 'alt_x',
    startupSec: 10,
    steady,
    connections: {
      ...loop(undefined, 50_000),
      peakDevFds: 10_100,
      lagAtStart: { hits: null, seconds: null },
    },
    samples: samples(o.lag, o.rss),
    hitsAcceptedByCollector: null,
    stop: { exitCode: 0, signal: null, seconds: 5, killed: false },
    lake: { rows: o.inLake, distinctLogIds: o.inLake, query: '' },
  };
  return {
    raw,
    byId: Object.fromEntries(sustainedFigures(raw).map((f) => [f.id.replace('sustained-dev.', ''), f])),
  };
}

describe('sustained alt dev verdicts', () => {
  it("reads the collector's own p99 of a minute from the first sample after it, and shows it beside the client's", () => {
    const r = run({
      windows: [minute(0, 80), minute(1, 9), minute(2, 7), minute(3, 9)],
      lag: 2,
      inLake: 1_250_000,
    });
    // Sample i is at 5·i s; the collector's one-minute p99 is 30 ms until 60 s, then 4 ms.
    r.raw.samples = r.raw.samples.map((s) => ({ ...s, serverP99Ms: s.tSec < 60 ? 30 : 4 }));
    expect(serverP99(r.raw.samples, 0)).toBe(4); // the sample at 60 s covers 0–60 s
    r.raw.samples = r.raw.samples.map((s) => ({ ...s, serverP99Ms: s.tSec <= 60 ? 30 : 4 }));
    expect(serverP99(r.raw.samples, 0)).toBe(30);
    expect(serverP99(r.raw.samples, 60)).toBe(4);
    const worst = sustainedFigures(r.raw).find((f) => f.id === 'sustained-dev.p99.worst-minute');
    expect(worst?.note).toMatch(/the collector's own p99 by minute 30, 4, 4, 4 ms$/);
    expect(minuteTable(r.raw).split('\n')[0]).toContain('server p99 ms');
  });

  it("counts the collector's mark-compacts between the first and the last measured sample", () => {
    const r = run({
      windows: [minute(0, 8), minute(1, 9), minute(2, 7), minute(3, 9)],
      lag: 2,
      inLake: 1_250_000,
    });
    expect(r.byId['gc.collector-major']).toBeUndefined(); // no GC series on /metrics: no figure
    const withGc = run({ windows: [minute(0, 8)], lag: 2, inLake: 1_250_000 });
    withGc.raw.samples = withGc.raw.samples.map((s, i) => ({
      ...s,
      gcCounts: { minor: i * 100, major: 3 + Math.floor(i / 12) },
      gcSeconds: { minor: i, major: 0.01 * Math.floor(i / 12) },
    }));
    const f = sustainedFigures(withGc.raw).find((x) => x.id === 'sustained-dev.gc.collector-major');
    // 48 samples 5 s apart: major goes 3 → 6 over 235 s.
    expect(f).toMatchObject({ value: 3, unit: 'count' });
    expect(f?.note).toBe('30 ms in all, 0.77 a minute');
  });

  it("says how fast the machine ran alt dev's core in each minute, and names a slow one beside the worst p99", () => {
    const r = run({
      windows: [minute(0, 8), minute(1, 9), minute(2, 66), minute(3, 9)],
      lag: 2,
      inLake: 1_250_000,
    });
    expect(r.byId['machine.dev-core-speed']).toBeUndefined(); // no canary (one core): no figure
    // Minute 3 (120–180 s): the same fixed work took 1.6× as long on core 0.
    r.raw.samples = r.raw.samples.map((s) => ({
      ...s,
      coreSpeed: { dev: s.tSec >= 120 && s.tSec < 180 ? 0.625 : 1, client: 0.98 },
    }));
    r.raw.canary = {
      baselineUs: { dev: 165, client: 170 },
      readings: { dev: [], client: [] },
    };
    expect(minuteCoreSpeed(r.raw.samples, 120, 'dev')).toBe(0.625);
    expect(minuteCoreSpeed(r.raw.samples, 60, 'client')).toBe(0.98);
    const byId = Object.fromEntries(sustainedFigures(r.raw).map((f) => [f.id, f]));
    expect(byId['sustained-dev.machine.dev-core-speed']).toMatchObject({ value: 0.625, unit: '×' });
    expect(byId['sustained-dev.machine.dev-core-speed'].note).toMatch(
      /^minute 3; by minute 1\.00, 1\.00, 0\.63, 1\.00; the client's core at least 0\.98;/,
    );
    expect(byId['sustained-dev.machine.dev-core-speed'].met).toBeUndefined(); // a diagnostic, no target
    expect(byId['sustained-dev.p99.worst-minute'].note).toMatch(
      /^minute 3, alt dev's core at 0\.63× its calibrated speed that minute;/,
    );
    const table = minuteTable(r.raw).split('\n');
    expect(table[0]).toMatch(/core speed dev\/client$/);
    expect(table[3]).toMatch(/0\.63\/0\.98$/);
  });

  it('holds the worst minute to p99 < 50 ms, so one bad minute fails the run', () => {
    const good = run({
      windows: [minute(0, 8), minute(1, 9), minute(2, 7), minute(3, 9)],
      lag: 2,
      inLake: 1_250_000,
    });
    expect(good.byId['p99.worst-minute'].met).toBe(true);
    const bad = run({
      windows: [minute(0, 8), minute(1, 9), minute(2, 180), minute(3, 9)],
      lag: 2,
      inLake: 1_250_000,
    });
    expect(bad.byId['p99.worst-minute']).toMatchObject({ value: 180, met: false });
    expect(bad.byId['p99.worst-minute'].note).toMatch(/^minute 3;/);
  });

  it('counts non-2xx answers as errors and acknowledged hits missing from the lake as lost', () => {
    const r = run({
      windows: [minute(0, 8), minute(1, 9, 7), minute(2, 7), minute(3, 9)],
      lag: 2,
      inLake: 1_249_000,
    });
    expect(r.byId.errors).toMatchObject({ value: 7, met: false });
    // 1,199,993 steady + 50,000 with 10,000 connections acknowledged, 1,249,000 in the lake.
    expect(r.byId.lost).toMatchObject({ value: 993, met: false });
  });

  it('reports the warm-up on its own, no verdict, but counts its failures and its acknowledged hits', () => {
    const warmup = { ...minute(0, 900, 3), fromSec: -30, intended: 150_000, ok: 149_997 };
    const r = run({ windows: [minute(0, 8), minute(1, 9)], lag: 2, inLake: 749_997, warmup });
    expect(r.byId['warmup.p99']).toMatchObject({ value: 900 });
    expect(r.byId['warmup.p99'].met).toBeUndefined();
    expect(r.byId['p99.worst-minute']).toMatchObject({ value: 9, met: true });
    expect(r.byId.errors).toMatchObject({ value: 3, met: false });
    // 600,000 measured + 149,997 in the warm-up + 50,000 with 10,000 connections acknowledged.
    expect(r.byId.lost).toMatchObject({ value: 50_000, met: false });
  });

  it('says "lag not reported" (no value, no verdict) when alt dev does not expose the lag gauges', () => {
    const r = run({ windows: [minute(0, 8)], lag: null, inLake: 350_000 });
    const lag = r.byId['lag.max-seconds'];
    expect(lag.met).toBeUndefined();
    expect(lag.value).toBeNaN();
    expect(lag.note).toMatch(/lag not reported/);
    expect(minuteTable(r.raw).split('\n')[1]).toMatch(/—\s+—\s+600\s+—\/—$/);
    const reported = run({ windows: [minute(0, 8)], lag: 45, inLake: 350_000 });
    expect(reported.byId['lag.max-seconds']).toMatchObject({ value: 45, met: false });
  });

  it('reads RSS growth as the trend of its ceiling over the steady run from minute 2', () => {
    const flat = run({ windows: [minute(0, 8)], lag: 1, inLake: 0, rss: (t) => 600 + 20 * Math.sin(t) });
    expect(flat.byId['rss.slope'].met).toBe(true);
    const leak = run({ windows: [minute(0, 8)], lag: 1, inLake: 0, rss: (t) => 600 + (10 * t) / 60 });
    expect(leak.byId['rss.slope'].value).toBeCloseTo(10, 6);
    expect(leak.byId['rss.slope'].met).toBe(false);
  });

  it('takes the run length from --minutes, else ALT_BENCH_SUSTAINED_MINUTES, else 10', () => {
    expect(minutesFrom(undefined, {})).toBe(10);
    expect(minutesFrom(undefined, { ALT_BENCH_SUSTAINED_MINUTES: '1' })).toBe(1);
    expect(minutesFrom('2', { ALT_BENCH_SUSTAINED_MINUTES: '1' })).toBe(2);
    expect(() => minutesFrom('0.5', {})).toThrow(/whole number/);
  });
});

describe('how the bench starts alt dev', () => {
  it("passes the Node flags of package.json's start script, as npm start does", async () => {
    const { npmStartNodeFlags } = await import('./sustained-dev.ts');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const flags = npmStartNodeFlags();
    expect(pkg.scripts.start).toBe(['node', ...flags, 'bin/alt.mjs', 'dev'].join(' '));
    expect(flags.every((f) => f.startsWith('--'))).toBe(true);
  });
});
