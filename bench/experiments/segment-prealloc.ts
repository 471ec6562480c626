/**
 * Paired comparison of the segment log appending by growing its file (`preallocate: false`, the
 * behaviour before preallocated segments) against appending into zero-filled, preallocated segments
 * (`preallocate: true`), in ONE process so that both meet the same minute of this machine and its
 * disk. Every round opens a fresh log of each kind (the opening, which zero-fills the first
 * segment, is not timed) and alternates which goes first.
 *
 * Two loads, each one append = one group commit of `--payload` bytes (write + fdatasync):
 * - `back-to-back`: the next append starts when the last resolved; 64-MiB segments, no roll.
 * - `paced`: one append every `--interval-ms` (the collector at 5,000 hits/s puts ~10-KB batches
 *   a few ms apart), 8-MiB segments so rolls and the background zero-fill of the next segment fall
 *   inside the measurement; also the event loop's delay (what a thread-pool write stealing the one
 *   core costs the collector's requests).
 *
 * Reports per variant: latency p50/p99 of an append (ms, pooled over rounds), CPU per append
 * (process.cpuUsage, thread pool included, µs), and the per-round ratios prealloc / grow.
 *
 *   flock /work/notes/bench.lock taskset -c 1 node --import tsx bench/experiments/segment-prealloc.ts
 *     [--rounds 4] [--appends 2000] [--payload 10000] [--interval-ms 2] [--out FILE]
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openSegmentLog } from '../../stream/segment-log/index.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    appends: { type: 'string', default: '2000' },
    payload: { type: 'string', default: '10000' },
    'interval-ms': { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const APPENDS = Number(values.appends);
const PAYLOAD = Buffer.alloc(Number(values.payload), 0x5a);
const INTERVAL_MS = Number(values['interval-ms']);

type Variant = 'grow' | 'prealloc';
type Load = 'back-to-back' | 'paced';

interface Run {
  latenciesMs: number[];
  cpuUsPerAppend: number;
  loopDelayP99Ms?: number;
  rolls: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const median = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const r3 = (x: number) => +x.toFixed(3);

async function run(root: string, variant: Variant, load: Load): Promise<Run> {
  const dir = await mkdtemp(join(root, `${variant}-`));
  const segmentBytes = load === 'paced' ? 8 * 1024 * 1024 : 64 * 1024 * 1024;
  const log = await openSegmentLog(dir, { segmentBytes, preallocate: variant === 'prealloc' });
  const latenciesMs: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const cpu0 = process.cpuUsage();
  if (load === 'back-to-back') {
    for (let i = 0; i < APPENDS; i++) {
      const t = performance.now();
      await log.append([PAYLOAD]);
      latenciesMs.push(performance.now() - t);
    }
  } else {
    loop.enable();
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < APPENDS; i++) {
      const due = start + i * INTERVAL_MS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const t = performance.now();
      pending.push(
        log.append([PAYLOAD]).then(() => {
          latenciesMs.push(performance.now() - t);
        }),
      );
    }
    await Promise.all(pending);
    loop.disable();
  }
  const cpu = process.cpuUsage(cpu0);
  const rolls = Math.floor(log.endPosition() / segmentBytes);
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return {
    latenciesMs,
    cpuUsPerAppend: (cpu.user + cpu.system) / APPENDS,
    loopDelayP99Ms: load === 'paced' ? loop.percentile(99) / 1e6 : undefined,
    rolls,
  };
}

function summarize(runs: Run[]) {
  const all = runs.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  return {
    appendMs: { p50: r3(pct(all, 0.5)), p99: r3(pct(all, 0.99)), max: r3(all[all.length - 1] ?? 0) },
    roundP99Ms: runs.map((r) =>
      r3(
        pct(
          [...r.latenciesMs].sort((a, b) => a - b),
          0.99,
        ),
      ),
    ),
    cpuUsPerAppend: runs.map((r) => +r.cpuUsPerAppend.toFixed(1)),
    cpuUsPerAppendMedian: +median(runs.map((r) => r.cpuUsPerAppend)).toFixed(1),
    loopDelayP99Ms:
      runs[0]?.loopDelayP99Ms === undefined ? undefined : runs.map((r) => r3(r.loopDelayP99Ms ?? 0)),
    rollsPerRound: runs[0]?.rolls,
  };
}

const root = join(tmpdir(), `alt-prealloc-bench-${process.pid}`);
await mkdir(root, { recursive: true });
const result: Record<string, unknown> = {
  bench: 'segment-prealloc',
  at: new Date().toISOString(),
  node: process.version,
  rounds: ROUNDS,
  appends: APPENDS,
  payloadBytes: PAYLOAD.length,
  intervalMs: INTERVAL_MS,
  dir: root,
};
try {
  for (const load of ['back-to-back', 'paced'] as const) {
    const runs: Record<Variant, Run[]> = { grow: [], prealloc: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Variant[] = round % 2 === 0 ? ['grow', 'prealloc'] : ['prealloc', 'grow'];
      for (const v of order) runs[v].push(await run(root, v, load));
    }
    const ratio = (f: (r: Run) => number) =>
      runs.prealloc.map((r, i) => +(f(r) / f(runs.grow[i])).toFixed(3));
    const p = (q: number) => (r: Run) =>
      pct(
        [...r.latenciesMs].sort((a, b) => a - b),
        q,
      );
    result[load] = {
      grow: summarize(runs.grow),
      prealloc: summarize(runs.prealloc),
      ratioPreallocOverGrow: {
        p50: ratio(p(0.5)),
        p99: ratio(p(0.99)),
        cpuPerAppend: ratio((r) => r.cpuUsPerAppend),
        ...(load === 'paced' ? { loopDelayP99: ratio((r) => r.loopDelayP99Ms ?? 0) } : {}),
      },
    };
    process.stderr.write(`${load} done\n`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const json = JSON.stringify(result, null, 2);
process.stdout.write(`${json}\n`);
const out =
  values.out ?? join('bench', 'results', `segment-prealloc-${result.at as string}.json`.replace(/:/g, '-'));
await writeFile(out, `${json}\n`);
process.stderr.write(`saved ${out}\n`);
