/**
 * How fast a core runs, minute by minute, beside a long benchmark on a shared machine. A child
 * process pinned to the core (`cpu-canary-child.mjs`) times a fixed piece of CPU work every 50 ms and
 * reports each second's median; calibrated before the benchmark starts, `baseline ÷ median` is the
 * core's speed: 1 as calibrated, 0.6 when the same work takes 1.67× as long.
 *
 * Why: on these virtual machines the host can take a vCPU away or share its physical core, and the
 * guest does not see it (`/proc/stat` reports no steal): the time goes to whatever task was running,
 * so a benchmarked process seems to use more CPU for the same work. A 40-minute run of `alt dev`
 * (docs/performance.md) had minutes in which the collector used 80 % of its core instead of 50 % at
 * the same load; without a gauge beside it, the machine and the product could not be told apart.
 *
 * The child runs at normal priority. A 0.2-ms burst after 50 ms asleep gets the core at once from
 * Linux's scheduler (a waking task with little CPU used goes first) and rarely loses it midway, so
 * the median of a second's 20 bursts reads the core's speed, not how busy the guest keeps it. Not at
 * real-time priority: a stand-alone version at `chrt -f` once fell, after 100 minutes, into holding
 * its core ~0.95 s of every second (the kernel's real-time throttling limit) with its V8 threads,
 * which stalled the collector beside it for as long (2026-12-07, docs/performance.md). For the same
 * reason it runs `--jitless` with no V8 helper threads: nothing in it changes its cost midway.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './percentiles.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'cpu-canary-child.mjs');
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));

export interface CanaryReading {
  epochMs: number;
  /** Median µs of the second's bursts of fixed work. */
  medianUs: number;
  bursts: number;
}

/** One `<epoch ms> <bursts> <median µs>` line of the child; undefined for anything else. Pure. */
export function parseReading(line: string): CanaryReading | undefined {
  const m = /^(\d+) (\d+) (\d+(?:\.\d+)?)$/.exec(line.trim());
  return m ? { epochMs: Number(m[1]), bursts: Number(m[2]), medianUs: Number(m[3]) } : undefined;
}

/** The median of the readings taken in [fromMs, toMs); null when there are none. Pure. */
export function medianUsBetween(
  readings: readonly CanaryReading[],
  fromMs: number,
  toMs: number,
): number | null {
  return (
    median(readings.filter((r) => r.epochMs >= fromMs && r.epochMs < toMs).map((r) => r.medianUs)) ?? null
  );
}

/** The core's speed over [fromMs, toMs) against its calibration (1 = as calibrated). Pure. */
export function speedBetween(
  readings: readonly CanaryReading[],
  baselineUs: number,
  fromMs: number,
  toMs: number,
): number | null {
  const m = medianUsBetween(readings, fromMs, toMs);
  return m === null || m <= 0 ? null : baselineUs / m;
}

export interface Canary {
  core: string;
  readings: CanaryReading[];
  /** Takes `seconds` of readings and keeps their median as the baseline (1×). */
  calibrate(seconds: number): Promise<number>;
  baselineUs(): number | undefined;
  /** Speed over [fromMs, toMs) against the calibration; null before calibrating or without readings. */
  speed(fromMs: number, toMs: number): number | null;
  stop(): void;
}

/** Starts the gauge on `core` (a `taskset -c` list); it runs until `stop()`. */
export function startCanary(core: string): Canary {
  const node = [process.execPath, '--jitless', '--single-threaded', '--v8-pool-size=0', CHILD];
  const argv = TASKSET ? [TASKSET, '-c', core, ...node] : node;
  const child: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
  child.on('error', () => {});
  const readings: CanaryReading[] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const r = parseReading(line);
      if (r) readings.push(r);
    }
  });
  let baseline: number | undefined;
  return {
    core,
    readings,
    async calibrate(seconds) {
      // Its first second still holds the child's start.
      const from = Date.now() + 1000;
      await new Promise((r) => setTimeout(r, (seconds + 1) * 1000 + 200));
      const m = medianUsBetween(readings, from, Date.now());
      if (m === null) throw new Error(`cpu canary on core ${core} reported nothing in ${seconds} s`);
      baseline = m;
      return m;
    },
    baselineUs: () => baseline,
    speed: (fromMs, toMs) => (baseline === undefined ? null : speedBetween(readings, baseline, fromMs, toMs)),
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
