/**
 * The collector's throughput ratio alone, in interleaved rounds: bare Fastify, then the collector
 * (segment log), then bare again, … each under wrk c=100 with server and client pinned apart, so
 * a noisy minute hits both. Prints per-round figures and the medians; for checking a change to the
 * hot path in a few minutes, where `npm run bench` takes seven.
 *
 * `npx tsx bench/collector-ratio.ts [--rounds 3] [--seconds 8] [--stream segment-log|kinesis]
 *   [--profile DIR] [--also skeleton,no-sink]` (with --profile the collector runs under
 *   `node --cpu-prof` into DIR). `--also` measures, in every round between bare Fastify and the
 *   collector, the collector's Fastify setup alone (`servers/fastify-skeleton.ts`) and/or the
 *   collector with a sink that acknowledges at once (`servers/collector.ts --stream none`): where
 *   the gap to bare Fastify lies, the framework setup, the request's own work or the durable write;
 *   `raw-hot-path` the collector with `POST /v1/hits` on bare `node:http` (bench/experiments/raw-hot-path.ts);
 *   `spin-N` bare Fastify burning N µs of CPU per request (`--spin-us`): what a known amount of
 *   added work costs in throughput here, to read the collector's ratio against.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COLLECTOR_METRICS } from '../collector/metric-names.ts';
import { BROWSER_HEADERS, pageviewBody, startBareFastify } from './collector.ts';
import { type Started, startProcess } from './lib/proc.ts';
import { runWrk } from './lib/wrk.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '8' },
    stream: { type: 'string', default: 'segment-log' },
    profile: { type: 'string' },
    /** Measure the same collector process this many times in a row (is a slow run the process or the minute?). */
    windows: { type: 'string', default: '1' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    also: { type: 'string', default: '' },
  },
});
type Extra = 'skeleton' | 'no-sink' | 'raw-hot-path' | `spin-${number}`;
const isExtra = (x: string): x is Extra =>
  x === 'skeleton' || x === 'no-sink' || x === 'raw-hot-path' || /^spin-\d+(\.\d+)?$/.test(x);
const extras = values.also!.split(',').filter(isExtra);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const twoCores = os.availableParallelism() >= 2;
const cpus = twoCores ? { server: '1', client: '0' } : {};
const workDir = await mkdtemp(join(os.tmpdir(), 'alt-ratio-'));

interface Info {
  port: number;
  appId?: string;
}

async function start(kind: 'bare' | 'collector' | Extra): Promise<Started<Info>> {
  if (kind === 'bare') return startBareFastify(cpus.server);
  if (kind.startsWith('spin-')) return startBareFastify(cpus.server, Number(kind.slice('spin-'.length)));
  if (kind === 'skeleton') {
    return startProcess<Info>({ script: join(HERE, 'servers/fastify-skeleton.ts'), cpus: cpus.server });
  }
  const stream = kind === 'no-sink' ? 'none' : values.stream!;
  const rawHotPath = kind === 'raw-hot-path' ? ['--raw-hot-path'] : [];
  let endpointArgs: string[] = [];
  if (stream === 'kinesis') {
    const fake = await startProcess<Info>({
      script: join(HERE, 'servers/fake-kinesis.ts'),
      cpus: cpus.client,
    });
    fakes.push(fake);
    endpointArgs = ['--kinesis-endpoint', `http://127.0.0.1:${fake.info.port}`];
  }
  return startProcess<Info>({
    script: join(HERE, 'servers/collector.ts'),
    cpus: cpus.server,
    nodeArgs: [
      ...values['node-arg']!,
      ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
    ],
    args: [
      '--data-dir',
      await mkdtemp(join(workDir, 'c-')),
      '--stream',
      stream,
      ...endpointArgs,
      ...rawHotPath,
    ],
    readyTimeoutMs: 60_000,
  });
}
const fakes: Started<Info>[] = [];

/** User and system CPU seconds from /proc/<pid>/stat (fields 14, 15; 100 ticks a second). */
async function cpuOf(pid: number): Promise<{ user: number; sys: number }> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]) / 100, sys: Number(rest[12]) / 100 };
}

/** Sum of a metric's samples from the collector's /metrics (0 for the bare server). */
async function metric(s: Started<Info>, name: string): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${s.info.port}/metrics`).then(
    (r) => (r.ok ? r.text() : ''),
    () => '',
  );
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

async function measure(s: Started<Info>) {
  const run = (durationSec: number) =>
    runWrk({
      url: `http://127.0.0.1:${s.info.port}/v1/hits`,
      method: 'POST',
      body: pageviewBody(s.info.appId ?? 'alt_0000000000000000000000'),
      headers: BROWSER_HEADERS,
      connections: 100,
      threads: 1,
      durationSec,
      cpus: cpus.client,
      workDir,
    });
  await run(5);
  const puts0 = await metric(s, `${COLLECTOR_METRICS.flushHits}_count`);
  const hits0 = await metric(s, `${COLLECTOR_METRICS.flushHits}_sum`);
  const cpu0 = await cpuOf(s.info.pid);
  const w = await run(seconds);
  const cpu1 = await cpuOf(s.info.pid);
  const puts = (await metric(s, `${COLLECTOR_METRICS.flushHits}_count`)) - puts0;
  const hitsPerPut = ((await metric(s, `${COLLECTOR_METRICS.flushHits}_sum`)) - hits0) / puts;
  const n = w.requests;
  const user = cpu1.user - cpu0.user;
  const sys = cpu1.sys - cpu0.sys;
  return {
    rps: w.requestsPerSec,
    usPerReq: ((user + sys) * 1e6) / n,
    userUsPerReq: (user * 1e6) / n,
    sysShare: sys / (user + sys),
    hitsPerPut,
    non2xx: w.non2xx + w.errors.connect + w.errors.read + w.errors.write + w.errors.timeout,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
type Measured = Awaited<ReturnType<typeof measure>>;
const rows: { bare: Measured; coll: Measured; extras: Partial<Record<Extra, Measured>> }[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const b = await start('bare');
    const bare = await measure(b).finally(() => b.stop());
    const measuredExtras: Partial<Record<Extra, Measured>> = {};
    for (const x of extras) {
      const e = await start(x);
      measuredExtras[x] = await measure(e).finally(() => e.stop());
    }
    const c = await start('collector');
    let coll!: Awaited<ReturnType<typeof measure>>;
    try {
      for (let w = 0; w < Number(values.windows); w++) {
        coll = await measure(c);
        if (Number(values.windows) > 1)
          process.stderr.write(
            `  window ${w + 1}: ${coll.rps.toFixed(0)} req/s ${coll.usPerReq.toFixed(1)} µs\n`,
          );
      }
    } finally {
      await c.stop();
    }
    for (const f of fakes.splice(0)) await f.stop();
    rows.push({ bare, coll, extras: measuredExtras });
    const extraText = (Object.entries(measuredExtras) as [Extra, Measured][])
      .map(
        ([k, m]) =>
          ` | ${k} ${m.rps.toFixed(0)} req/s ${(m.rps / bare.rps).toFixed(2)}× ${m.usPerReq.toFixed(1)} µs (user ${m.userUsPerReq.toFixed(1)})`,
      )
      .join('');
    process.stderr.write(
      `round ${i + 1}: bare ${bare.rps.toFixed(0)} req/s ${bare.usPerReq.toFixed(1)} µs (user ${bare.userUsPerReq.toFixed(1)})${extraText} | collector ${coll.rps.toFixed(0)} req/s ${coll.usPerReq.toFixed(1)} µs (user ${coll.userUsPerReq.toFixed(1)}, sys ${(coll.sysShare * 100).toFixed(0)} %, bare sys ${(bare.sysShare * 100).toFixed(0)} %; ${coll.hitsPerPut.toFixed(1)} hits/put; non-2xx ${coll.non2xx}) | ratio ${(coll.rps / bare.rps).toFixed(3)}\n`,
    );
  }
  const summary = {
    stream: values.stream,
    rounds,
    seconds,
    loadavg: os.loadavg(),
    bareRps: median(rows.map((r) => r.bare.rps)),
    collectorRps: median(rows.map((r) => r.coll.rps)),
    bareUsPerReq: median(rows.map((r) => r.bare.usPerReq)),
    collectorUsPerReq: median(rows.map((r) => r.coll.usPerReq)),
    bareUserUsPerReq: median(rows.map((r) => r.bare.userUsPerReq)),
    collectorUserUsPerReq: median(rows.map((r) => r.coll.userUsPerReq)),
    ratio: median(rows.map((r) => r.coll.rps / r.bare.rps)),
    // Each extra against bare Fastify of its own round, medians.
    extras: Object.fromEntries(
      extras.map((x) => [
        x,
        {
          rps: median(rows.map((r) => r.extras[x]!.rps)),
          usPerReq: median(rows.map((r) => r.extras[x]!.usPerReq)),
          userUsPerReq: median(rows.map((r) => r.extras[x]!.userUsPerReq)),
          ratio: median(rows.map((r) => r.extras[x]!.rps / r.bare.rps)),
        },
      ]),
    ),
    rows,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
} finally {
  await rm(workDir, { recursive: true, force: true });
}
