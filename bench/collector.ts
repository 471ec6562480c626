/**
 * Collector benchmarks (DESIGN §12, issue 9), every figure next to a baseline from the same run:
 *
 *  1. throughput — wrk, c=100, server pinned to one core and wrk to the other: bare Fastify 204
 *     vs the full collector over the segment log and over the Kinesis sink (fake local endpoint);
 *  2. latency at a fixed 5,000 hits/s — open-loop generator, latency from the intended send time;
 *  3. 10,000 concurrent keep-alive connections, each sending requests — zero errors;
 *  4. overload — far more than a slow sink with a small in-flight bound can take: 503s, RSS flat.
 *
 * `npx tsx bench/collector.ts [--quick] [--profile] [--out FILE]` prints progress on stderr and
 * writes the suite result (figures + raw measurements) as JSON.
 */

import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COLLECTOR_METRICS } from '../collector/metric-names.ts';
import { type CpuProfile, summarizeCpuProfile } from './lib/cpu-profile.ts';
import type { OpenLoopOptions, OpenLoopResult } from './lib/open-loop.ts';
import {
  readCpuSeconds,
  runToCompletion,
  type Sample,
  type Started,
  startProcess,
  startSampler,
} from './lib/proc.ts';
import { createProgress, type Progress } from './lib/progress.ts';
import { promValue } from './lib/prom-text.ts';
import { evaluate, type Figure, type SuiteResult, stamp } from './lib/results.ts';
import { rssTrendOnceConnected } from './lib/rss-trend.ts';
import { runWrk, type WrkResult } from './lib/wrk.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const MiB = 1024 * 1024;

/** A browser's pageview as the beacon sends it with sendBeacon (text/plain, no preflight). */
export function pageviewBody(appId: string): string {
  return JSON.stringify({
    app_id: appId,
    event_type: 'pageview',
    url: 'https://shop.example.com/products/widget-42?utm_source=newsletter&utm_medium=email',
    referrer: 'https://www.google.com/',
    client_sub_id: 'tenant-7',
    module_id: 'product-page',
    status_code: 200,
    response_time_ms: 184,
    metadata: { ab: 'checkout-v2', lang: 'en-US' },
  });
}

export const BROWSER_HEADERS = {
  'Content-Type': 'text/plain;charset=UTF-8',
  Origin: 'https://shop.example.com',
  'User-Agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Accept-Language': 'en-US,en;q=0.9',
};

interface Plan {
  warmupSec: number;
  throughputSec: number;
  latencySec: number;
  latencyRate: number;
  connections: number;
  connectionsSec: number;
  connectionsRate: number;
  overloadSec: number;
  overloadConnections: number;
}

export const PLANS: Record<'full' | 'quick', Plan> = {
  full: {
    warmupSec: 3,
    throughputSec: 10,
    latencySec: 20,
    latencyRate: 5000,
    connections: 10_000,
    connectionsSec: 12,
    connectionsRate: 2500,
    // Long enough to leave 25 s of RSS trend after the heap settles (OVERLOAD_SETTLE_MS).
    overloadSec: 40,
    overloadConnections: 1000,
  },
  quick: {
    warmupSec: 1,
    throughputSec: 3,
    latencySec: 5,
    latencyRate: 5000,
    connections: 10_000,
    connectionsSec: 8,
    connectionsRate: 2500,
    overloadSec: 9,
    overloadConnections: 1000,
  },
};

type Target = 'bare' | 'segment-log' | 'kinesis';
const LABEL: Record<Target, string> = {
  bare: 'bare Fastify',
  'segment-log': 'collector, segment log',
  kinesis: 'collector, Kinesis sink (fake endpoint)',
};

interface Cpus {
  server?: string;
  client?: string;
}

interface ServerInfo {
  port: number;
  appId?: string;
}

interface Ctx {
  plan: Plan;
  cpus: Cpus;
  workDir: string;
  progress: Progress;
  kinesisEndpoint?: string;
}

/** The baseline server (`servers/bare-fastify.ts`), optionally burning `spinUs` µs per request. */
export function startBareFastify(cpus: string | undefined, spinUs = 0) {
  return startProcess<ServerInfo>({
    script: join(HERE, 'servers/bare-fastify.ts'),
    cpus,
    args: spinUs ? ['--spin-us', String(spinUs)] : [],
  });
}

function startTarget(ctx: Ctx, target: Target, extra: string[] = [], nodeArgs: string[] = []) {
  if (target === 'bare') return startBareFastify(ctx.cpus.server);
  return (async () => {
    const dataDir = await mkdtemp(join(ctx.workDir, `${target}-`));
    return startProcess<ServerInfo>({
      script: join(HERE, 'servers/collector.ts'),
      cpus: ctx.cpus.server,
      nodeArgs: ['--expose-gc', ...nodeArgs],
      args: [
        '--data-dir',
        dataDir,
        '--stream',
        target,
        ...(target === 'kinesis' ? ['--kinesis-endpoint', ctx.kinesisEndpoint!] : []),
        ...extra,
      ],
      readyTimeoutMs: 60_000,
    });
  })();
}

/**
 * Work the calibration servers burn per request (bare Fastify with `--spin-us`): what a known
 * amount of added CPU costs in throughput on this machine, to read the collector's ratio against.
 */
const CALIBRATION_SPIN_US = [5, 10] as const;

/** Throughput of bare Fastify burning `spinUs` µs per request, after a warm-up. */
async function benchSpin(ctx: Ctx, spinUs: number) {
  const done = ctx.progress.step(
    `calibration: bare Fastify + ${spinUs} µs of work per request, wrk c=100`,
    ctx.plan.warmupSec + ctx.plan.throughputSec,
  );
  const s = await startBareFastify(ctx.cpus.server, spinUs);
  try {
    await wrkAgainst(ctx, s, ctx.plan.warmupSec);
    const r = await wrkAgainst(ctx, s, ctx.plan.throughputSec);
    done(`${r.requestsPerSec.toFixed(0)} req/s`);
    return { spinUs, requestsPerSec: r.requestsPerSec, command: r.command };
  } finally {
    await s.stop();
  }
}

const hitsUrl = (s: Started<ServerInfo>) => `http://127.0.0.1:${s.info.port}/v1/hits`;
// The bare server ignores the body; it gets the same bytes as the collector.
const bodyFor = (s: Started<ServerInfo>) => pageviewBody(s.info.appId ?? 'alt_0000000000000000000000');

async function wrkAgainst(
  ctx: Ctx,
  s: Started<ServerInfo>,
  durationSec: number,
  more: Partial<Parameters<typeof runWrk>[0]> = {},
) {
  return runWrk({
    url: hitsUrl(s),
    method: 'POST',
    body: bodyFor(s),
    headers: BROWSER_HEADERS,
    connections: 100,
    threads: 1,
    durationSec,
    cpus: ctx.cpus.client,
    workDir: ctx.workDir,
    ...more,
  });
}

async function openLoop(ctx: Ctx, o: OpenLoopOptions): Promise<OpenLoopResult> {
  const node = [process.execPath, '--import', 'tsx', join(HERE, 'lib/open-loop-cli.ts'), JSON.stringify(o)];
  const [cmd, ...args] = ctx.cpus.client ? ['taskset', '-c', ctx.cpus.client, ...node] : node;
  const out = await runToCompletion(cmd, args, {
    timeoutMs: ((o.warmupSec ?? 0) + o.durationSec + 60) * 1000,
    cwd: ROOT,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as OpenLoopResult;
}

async function metricValue(s: Started<ServerInfo>, name: string): Promise<number | undefined> {
  try {
    return promValue(await (await fetch(`http://127.0.0.1:${s.info.port}/metrics`)).text(), name);
  } catch {
    return undefined;
  }
}

/** Sink-side counters of a collector, to tell what a throughput figure waited on. */
interface SinkCounters {
  flushes: number;
  flushLatencySec: number;
  flushedHits: number;
  spooledRecords: number;
}

async function sinkCounters(s: Started<ServerInfo>): Promise<SinkCounters> {
  const [flushes, flushLatencySec, flushedHits, spooledRecords] = await Promise.all([
    metricValue(s, `${COLLECTOR_METRICS.flushLatency}_count`),
    metricValue(s, `${COLLECTOR_METRICS.flushLatency}_sum`),
    metricValue(s, `${COLLECTOR_METRICS.flushHits}_sum`),
    metricValue(s, COLLECTOR_METRICS.spooledRecords),
  ]);
  return {
    flushes: flushes ?? 0,
    flushLatencySec: flushLatencySec ?? 0,
    flushedHits: flushedHits ?? 0,
    spooledRecords: spooledRecords ?? 0,
  };
}

/** What the sink did during one run: puts, their mean latency, hits per put, records spooled. */
export function sinkDelta(before: SinkCounters, after: SinkCounters) {
  const flushes = after.flushes - before.flushes;
  return {
    flushes,
    meanFlushMs: flushes ? ((after.flushLatencySec - before.flushLatencySec) * 1000) / flushes : Number.NaN,
    hitsPerFlush: flushes ? (after.flushedHits - before.flushedHits) / flushes : Number.NaN,
    spooledRecords: after.spooledRecords - before.spooledRecords,
  };
}

interface TargetRaw {
  throughput?: WrkResult & { command: string };
  /** Diagnostic: the same at c=400 (more requests share each durable put). */
  throughput400?: WrkResult & { command: string };
  /** During the throughput run (collector only). */
  throughputSink?: ReturnType<typeof sinkDelta>;
  /** Server CPU during the throughput run: share of one core, and CPU time per request. */
  throughputCpu?: { utilization: number; usPerRequest: number };
  latency?: OpenLoopResult;
  connections?: OpenLoopResult & { peakServerFds: number };
  hitsAccepted?: number;
  streamStats?: unknown;
  error?: string;
}

/** Throughput, then fixed-rate latency, then (not for Kinesis) the 10,000-connection run, on one server process. */
async function benchTarget(ctx: Ctx, target: Target, withConnections: boolean): Promise<TargetRaw> {
  const raw: TargetRaw = {};
  const { plan, progress } = ctx;
  let done = progress.step(`${LABEL[target]}: start`);
  const s = await startTarget(ctx, target);
  done(`pid ${s.info.pid}, port ${s.info.port}`);
  try {
    done = progress.step(`${LABEL[target]}: wrk warm-up`, plan.warmupSec);
    await wrkAgainst(ctx, s, plan.warmupSec);
    done();
    done = progress.step(`${LABEL[target]}: throughput, wrk c=100`, plan.throughputSec);
    const before = target === 'bare' ? undefined : await sinkCounters(s);
    const cpu0 = await readCpuSeconds(s.info.pid);
    raw.throughput = await wrkAgainst(ctx, s, plan.throughputSec);
    const cpu = (await readCpuSeconds(s.info.pid)) - cpu0;
    raw.throughputCpu = {
      utilization: cpu / raw.throughput.durationSec,
      usPerRequest: (cpu * 1e6) / raw.throughput.requests,
    };
    if (before) raw.throughputSink = sinkDelta(before, await sinkCounters(s));
    const sink = raw.throughputSink;
    done(
      `${raw.throughput.requestsPerSec.toFixed(0)} req/s, p99 ${raw.throughput.latency.p99.toFixed(1)} ms, server CPU ${(raw.throughputCpu.utilization * 100).toFixed(0)}%, ${raw.throughputCpu.usPerRequest.toFixed(0)} µs/req${
        sink
          ? `; sink: ${sink.flushes} puts, mean ${sink.meanFlushMs.toFixed(1)} ms, ${sink.hitsPerFlush.toFixed(0)} hits/put, ${sink.spooledRecords} spooled`
          : ''
      }`,
    );
    if (withConnections) {
      done = progress.step(`${LABEL[target]}: throughput, wrk c=400 (diagnostic)`, plan.throughputSec);
      raw.throughput400 = await wrkAgainst(ctx, s, plan.throughputSec, { connections: 400 });
      done(`${raw.throughput400.requestsPerSec.toFixed(0)} req/s`);
    }

    done = progress.step(`${LABEL[target]}: open loop ${plan.latencyRate}/s`, plan.latencySec + 2);
    raw.latency = await openLoop(ctx, {
      url: hitsUrl(s),
      body: bodyFor(s),
      headers: BROWSER_HEADERS,
      ratePerSec: plan.latencyRate,
      durationSec: plan.latencySec,
      warmupSec: 2,
      connections: 64,
      mode: 'pool',
    });
    done(`p99 ${raw.latency.latency.p99.toFixed(1)} ms, errors ${raw.latency.errorCount}`);

    if (withConnections) {
      done = progress.step(`${LABEL[target]}: ${plan.connections} connections`, plan.connectionsSec + 3);
      const sampler = startSampler(s.info.pid, 200);
      const r = await openLoop(ctx, {
        url: hitsUrl(s),
        body: bodyFor(s),
        headers: BROWSER_HEADERS,
        ratePerSec: plan.connectionsRate,
        durationSec: plan.connectionsSec,
        connections: plan.connections,
        mode: 'pinned',
        timeoutMs: 30_000,
      });
      const samples = sampler.stop();
      raw.connections = { ...r, peakServerFds: Math.max(0, ...samples.map((x) => x.fds)) };
      done(
        `${r.connectionsAnswered} answered, ${raw.connections.peakServerFds} server fds, errors ${r.errorCount}, p99 ${r.latency.p99.toFixed(1)} ms`,
      );
    }
    if (target !== 'bare') raw.hitsAccepted = await metricValue(s, COLLECTOR_METRICS.hitsAccepted);
  } catch (err) {
    raw.error = `${(err as Error).message}\n${s.stderr().slice(-2000)}`;
    progress.log(`! ${LABEL[target]} failed: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await s.stop();
    const stats = /BENCH_STATS (.*)/.exec(s.stdout())?.[1];
    if (stats) raw.streamStats = JSON.parse(stats);
  }
  return raw;
}

interface OverloadRaw {
  wrk?: WrkResult & { command: string };
  /** RSS while the same process served a load the slow sink can take. */
  normalRssBytes: number;
  samples: Sample[];
  maxInflightBytes: number;
  sinkDelayMs: number;
  error?: string;
}

/**
 * Far more load than a slow sink with a 256 KiB in-flight bound takes (about 350 hits in flight,
 * each put 200 ms late: ~1,700 hits/s at most); RSS and open fds sampled throughout.
 */
async function benchOverload(ctx: Ctx): Promise<OverloadRaw> {
  const { plan, progress } = ctx;
  const maxInflightBytes = 256 * 1024;
  const sinkDelayMs = 200;
  let done = progress.step('overload: start collector (256 KiB in-flight bound, sink +200 ms per put)');
  const s = await startTarget(ctx, 'segment-log', [
    '--max-inflight-bytes',
    String(maxInflightBytes),
    '--sink-delay-ms',
    String(sinkDelayMs),
  ]);
  done(`pid ${s.info.pid}`);
  const raw: OverloadRaw = { normalRssBytes: 0, samples: [], maxInflightBytes, sinkDelayMs };
  try {
    // A load the slow sink can take (20 connections), so the reference RSS has a warm heap.
    const normal = startSampler(s.info.pid, 100);
    await wrkAgainst(ctx, s, 3, { connections: 20 });
    raw.normalRssBytes = Math.max(...normal.stop().map((x) => x.rssBytes));
    done = progress.step(`overload: wrk c=${plan.overloadConnections}`, plan.overloadSec);
    const sampler = startSampler(s.info.pid, 250);
    raw.wrk = await wrkAgainst(ctx, s, plan.overloadSec, {
      connections: plan.overloadConnections,
      threads: 1,
      timeoutSec: 10,
      countStatuses: true,
    });
    raw.samples = sampler.stop();
    done(`statuses ${JSON.stringify(raw.wrk.statuses ?? {})}`);
  } catch (err) {
    raw.error = `${(err as Error).message}\n${s.stderr().slice(-2000)}`;
    progress.log(`! overload failed: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await s.stop();
  }
  return raw;
}

/**
 * A separate profiled run (profiling slows the process, so it never feeds the table). The profile
 * is kept outside the repository (it is megabytes): open it in Chrome DevTools or speedscope.
 */
async function profileCollector(ctx: Ctx, target: Exclude<Target, 'bare'>) {
  const dir = join(ctx.workDir, `prof-${target}`);
  await mkdir(dir, { recursive: true });
  const done = ctx.progress.step(
    `profile: ${LABEL[target]} under wrk c=100 with --cpu-prof`,
    ctx.plan.throughputSec + ctx.plan.warmupSec,
  );
  const s = await startTarget(ctx, target, [], ['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    await wrkAgainst(ctx, s, ctx.plan.warmupSec);
    await wrkAgainst(ctx, s, ctx.plan.throughputSec);
  } finally {
    await s.stop();
  }
  // With `--import tsx` the loader thread writes a profile too: the main thread's is the biggest.
  const files = await Promise.all(
    (await readdir(dir))
      .filter((f) => f.endsWith('.cpuprofile'))
      .map(async (f) => ({ f, size: (await stat(join(dir, f))).size })),
  );
  if (!files.length) throw new Error('no .cpuprofile written');
  files.sort((a, b) => b.size - a.size);
  const profile = JSON.parse(await readFile(join(dir, files[0].f), 'utf8')) as CpuProfile;
  const keepDir = join(os.tmpdir(), 'alt-bench-profiles');
  await mkdir(keepDir, { recursive: true });
  const keep = join(keepDir, `collector-${target}-${stamp(new Date())}.cpuprofile`);
  await writeFile(keep, JSON.stringify(profile));
  const summary = summarizeCpuProfile(profile, {
    root: ROOT,
    top: 20,
    lastMs: ctx.plan.throughputSec * 1000,
  });
  done(
    `top: ${summary.modules
      .slice(0, 3)
      .map((m) => `${m.name} ${(m.self * 100).toFixed(0)}%`)
      .join(', ')}`,
  );
  return { file: keep, ...summary };
}

function calibrationFigures(
  runs: { spinUs: number; requestsPerSec: number }[],
  bare: TargetRaw | undefined,
): Figure[] {
  const b = bare?.throughput?.requestsPerSec;
  return runs.map((r) => ({
    id: `collector.calibration.spin-${r.spinUs}`,
    label: `bare Fastify + ${r.spinUs} µs of busy work per request, wrk c=100 (calibration: what the ratio allows)`,
    value: r.requestsPerSec,
    unit: 'req/s',
    baseline: b ? { label: 'bare Fastify', value: b } : undefined,
  }));
}

function targetFigures(raw: Partial<Record<Target, TargetRaw>>, plan: Plan): Figure[] {
  const f: Figure[] = [];
  const bare = raw.bare;
  const bareT = bare?.throughput;
  if (bareT) {
    f.push({
      id: 'collector.throughput.bare',
      label: 'bare Fastify 204 throughput, wrk c=100',
      value: bareT.requestsPerSec,
      unit: 'req/s',
      note: `p50 ${bareT.latency.p50.toFixed(2)} ms, p99 ${bareT.latency.p99.toFixed(2)} ms`,
    });
  }
  for (const t of ['segment-log', 'kinesis'] as const) {
    const r = raw[t];
    if (!r?.throughput) continue;
    const th = r.throughput;
    f.push({
      id: `collector.throughput.${t}`,
      label: `${LABEL[t]} throughput, wrk c=100`,
      value: th.requestsPerSec,
      unit: 'req/s',
      baseline: bareT ? { label: 'bare Fastify', value: bareT.requestsPerSec } : undefined,
      target: { on: 'ratio', op: '>=', value: 0.6 },
      note: r.throughputSink
        ? `durable put ${r.throughputSink.meanFlushMs.toFixed(1)} ms mean, ${r.throughputSink.hitsPerFlush.toFixed(0)} hits/put${r.throughputSink.spooledRecords ? `, ${r.throughputSink.spooledRecords} records spooled` : ''}`
        : undefined,
    });
    f.push({
      id: `collector.throughput.${t}.p99`,
      label: `${LABEL[t]} p99 at c=100`,
      value: th.latency.p99,
      unit: 'ms',
      baseline: bareT ? { label: 'bare Fastify', value: bareT.latency.p99 } : undefined,
      note: `p50 ${th.latency.p50.toFixed(2)} ms`,
    });
    const errs = th.non2xx + th.errors.connect + th.errors.read + th.errors.write + th.errors.timeout;
    f.push({
      id: `collector.throughput.${t}.errors`,
      label: `${LABEL[t]} non-2xx + socket errors under wrk`,
      value: errs,
      unit: 'count',
      target: { on: 'value', op: '==', value: 0 },
    });
  }
  const bareCpu = bare?.throughputCpu;
  for (const t of ['segment-log', 'kinesis'] as const) {
    const c = raw[t]?.throughputCpu;
    if (!c) continue;
    f.push({
      id: `collector.cpu-per-request.${t}`,
      label: `${LABEL[t]} server CPU per request (diagnostic)`,
      value: c.usPerRequest,
      unit: 'µs',
      baseline: bareCpu ? { label: 'bare Fastify', value: bareCpu.usPerRequest } : undefined,
      note: `server at ${(c.utilization * 100).toFixed(0)}% of its core`,
    });
  }
  const t400 = raw['segment-log']?.throughput400;
  if (t400) {
    f.push({
      id: 'collector.throughput.segment-log.c400',
      label: `${LABEL['segment-log']} throughput, wrk c=400 (diagnostic)`,
      value: t400.requestsPerSec,
      unit: 'req/s',
      baseline: bare?.throughput400
        ? { label: 'bare Fastify, c=400', value: bare.throughput400.requestsPerSec }
        : undefined,
      note: `p99 ${t400.latency.p99.toFixed(1)} ms`,
    });
  }
  const bareL = bare?.latency;
  for (const t of ['segment-log', 'kinesis'] as const) {
    const l = raw[t]?.latency;
    if (!l) continue;
    for (const p of ['p50', 'p99'] as const) {
      f.push({
        id: `collector.latency.${t}.${p}`,
        label: `${LABEL[t]} ${p} at a fixed ${plan.latencyRate.toLocaleString('en-US')} hits/s (open loop)`,
        value: l.latency[p],
        unit: 'ms',
        baseline: bareL ? { label: 'bare Fastify, same rate', value: bareL.latency[p] } : undefined,
        target: p === 'p99' ? { on: 'value', op: '<', value: 50 } : undefined,
        note:
          p === 'p99' ? `p90 ${l.latency.p90.toFixed(1)} ms, max ${l.latency.max.toFixed(1)} ms` : undefined,
      });
    }
    f.push({
      id: `collector.latency.${t}.errors`,
      label: `${LABEL[t]} failed requests at ${plan.latencyRate.toLocaleString('en-US')} hits/s`,
      value: l.errorCount + (l.sent - l.ok - l.errorCount),
      unit: 'count',
      target: { on: 'value', op: '==', value: 0 },
      note: `${l.ok.toLocaleString('en-US')} of ${l.intended.toLocaleString('en-US')} answered 2xx`,
    });
  }
  const c = raw['segment-log']?.connections;
  if (c) {
    f.push({
      id: 'collector.connections.answered',
      label: `keep-alive connections served concurrently (collector, segment log)`,
      value: c.connectionsAnswered ?? 0,
      unit: 'count',
      target: { on: 'value', op: '>=', value: plan.connections },
      note: `${c.connectionsReused} reused, peak ${c.peakServerFds} server fds`,
    });
    f.push({
      id: 'collector.connections.errors',
      label: `failed requests with ${plan.connections.toLocaleString('en-US')} connections`,
      value: c.errorCount + (c.sent - c.ok - c.errorCount),
      unit: 'count',
      target: { on: 'value', op: '==', value: 0 },
    });
    f.push({
      id: 'collector.connections.p99',
      label: `p99 with ${plan.connections.toLocaleString('en-US')} connections at ${plan.connectionsRate.toLocaleString('en-US')} req/s`,
      value: c.latency.p99,
      unit: 'ms',
      baseline: bare?.connections
        ? { label: 'bare Fastify, same run', value: bare.connections.latency.p99 }
        : undefined,
    });
  }
  return f;
}

/** Heap sizing under the overload's new load, left out of the RSS trend (see rss-trend.ts). */
const OVERLOAD_SETTLE_MS = 15_000;

function overloadFigures(o: OverloadRaw): Figure[] {
  if (!o.wrk || !o.samples.length) return [];
  const statuses = o.wrk.statuses ?? {};
  const total = Object.values(statuses).reduce((a, b) => a + b, 0);
  const n503 = statuses['503'] ?? 0;
  const n2xx = Object.entries(statuses)
    .filter(([k]) => k.startsWith('2'))
    .reduce((a, [, v]) => a + v, 0);
  const other = total - n503 - n2xx;
  const sock = o.wrk.errors.connect + o.wrk.errors.read + o.wrk.errors.write + o.wrk.errors.timeout;
  const peak = Math.max(...o.samples.map((s) => s.rssBytes));
  const trend = rssTrendOnceConnected(o.samples, { settleMs: OVERLOAD_SETTLE_MS });
  return [
    {
      id: 'collector.overload.503-share',
      label: 'overload: share of requests answered 503 overloaded',
      value: total ? (100 * n503) / total : 0,
      unit: '%',
      target: { on: 'value', op: '>', value: 0 },
      note: `${n503.toLocaleString('en-US')} × 503, ${n2xx.toLocaleString('en-US')} × 2xx`,
    },
    {
      id: 'collector.overload.other-failures',
      label: 'overload: requests timed out (10 s), failed or not 202/503',
      value: other + sock,
      unit: 'count',
      target: { on: 'value', op: '==', value: 0 },
    },
    {
      id: 'collector.overload.peak-rss',
      label: 'overload: peak server RSS',
      value: peak / MiB,
      unit: 'MiB',
      baseline: { label: 'same process at 20 connections', value: o.normalRssBytes / MiB },
      target: { on: 'ratio', op: '<=', value: 1.5 },
      note: `in-flight bound ${o.maxInflightBytes / 1024} KiB, sink +${o.sinkDelayMs} ms per put, peak ${Math.max(...o.samples.map((s) => s.fds))} fds`,
    },
    ...(trend
      ? [
          {
            id: 'collector.overload.rss-drift',
            label: 'overload: RSS trend after the first 15 s',
            value: trend.bytes / MiB,
            unit: 'MiB',
            target: { on: 'value', op: '<=', value: 32 } as const,
            note: `median of the last third − of the first, ${trend.samples} samples from second ${Math.round(trend.fromMs / 1000)}`,
          },
        ]
      : []),
  ];
}

export async function runCollectorBench(o: {
  quick: boolean;
  profile: boolean;
  /** Only the profiled runs, no figures. */
  profileOnly?: boolean;
  progress?: Progress;
}): Promise<SuiteResult> {
  const t0 = Date.now();
  const progress = o.progress ?? createProgress();
  const plan = PLANS[o.quick ? 'quick' : 'full'];
  // Pinned: server on core 1, every client on core 0 (DESIGN §12). One core: no pinning.
  const cpus: Cpus = os.cpus().length >= 2 ? { server: '1', client: '0' } : {};
  const workDir = await mkdtemp(join(os.tmpdir(), 'alt-bench-'));
  const ctx: Ctx = { plan, cpus, workDir, progress };
  const raw: Record<string, unknown> = { plan, cpus };
  let fake: Started<{ port: number }> | undefined;
  try {
    // The fake Kinesis endpoint sits on the client core: in AWS it is another machine, so it runs
    // at a higher priority than the load generators there, which would otherwise starve it.
    fake = await startProcess<{ port: number }>({
      nice: -10,
      script: join(HERE, 'servers/fake-kinesis.ts'),
      cpus: cpus.client,
    });
    ctx.kinesisEndpoint = `http://127.0.0.1:${fake.info.port}`;
    if (o.profileOnly) {
      raw.profile = {
        'segment-log': await profileCollector(ctx, 'segment-log'),
        kinesis: await profileCollector(ctx, 'kinesis'),
      };
      return { status: 'ok', durationSec: (Date.now() - t0) / 1000, figures: [], raw };
    }
    const targets: Partial<Record<Target, TargetRaw>> = {};
    targets.bare = await benchTarget(ctx, 'bare', true);
    const calibration = [];
    for (const us of CALIBRATION_SPIN_US) calibration.push(await benchSpin(ctx, us));
    raw.calibration = calibration;
    targets['segment-log'] = await benchTarget(ctx, 'segment-log', true);
    targets.kinesis = await benchTarget(ctx, 'kinesis', false);
    raw.targets = targets;
    raw.fakeKinesis = await (await fetch(`${ctx.kinesisEndpoint}/stats`)).json();
    const overload = await benchOverload(ctx);
    raw.overload = overload;
    if (o.profile) {
      try {
        raw.profile = {
          'segment-log': await profileCollector(ctx, 'segment-log'),
          kinesis: await profileCollector(ctx, 'kinesis'),
        };
      } catch (err) {
        raw.profile = { error: (err as Error).message };
      }
    }
    const figures = [
      ...targetFigures(targets, plan),
      ...calibrationFigures(calibration, targets.bare),
      ...overloadFigures(overload),
    ].map(evaluate);
    const failures = [...Object.entries(targets), ['overload', overload] as const]
      .filter(([, r]) => r && 'error' in r && r.error)
      .map(([k]) => k);
    return {
      status: failures.length ? 'failed' : 'ok',
      reason: failures.length ? `failed: ${failures.join(', ')} (see raw)` : undefined,
      durationSec: (Date.now() - t0) / 1000,
      figures,
      raw,
    };
  } finally {
    await fake?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'profile-only': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const result = await runCollectorBench({
    quick: values.quick!,
    profile: values.profile!,
    profileOnly: values['profile-only'],
  });
  const out = values.out ?? join(ROOT, 'bench/results', `collector-${stamp(new Date())}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  for (const f of result.figures) {
    process.stderr.write(
      `${f.met === false ? '✗' : f.met ? '✓' : '·'} ${f.label}: ${f.value.toFixed(2)} ${f.unit}${f.ratio !== undefined ? ` (${f.ratio.toFixed(2)}×)` : ''}\n`,
    );
  }
  process.stderr.write(`wrote ${out}\n`);
  process.exit(0);
}
