/**
 * The collector's latency at a fixed rate under a chosen Node binary, for comparing Node lines or
 * flags without the whole suite: the segment-log collector (`bench/servers/collector.ts`) pinned to
 * core 1, the open-loop generator pinned to core 0, `--runs` runs of `--seconds` at `--rate`.
 *
 *   npx tsx bench/experiments/open-loop-probe.ts [--node /usr/bin/node] [--tree DIR] [--rate 5000]
 *
 * `--tree` runs another checkout's server and generator (e.g. a `git worktree` of an older commit,
 * with its own node_modules) for before/after comparisons on the same machine in the same minutes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    tree: { type: 'string', default: resolve(import.meta.dirname, '../..') },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '15' },
    runs: { type: 'string', default: '2' },
    /** Extra arguments for the server's Node (V8 flags etc.), one per use: `--node-arg=--no-opt`. */
    'node-arg': { type: 'string', multiple: true, default: [] },
    /** Copy the server's stdout here (e.g. with `--node-arg=--trace-gc`). */
    'server-out': { type: 'string' },
  },
});
const tree = resolve(values.tree!);
const { BROWSER_HEADERS, pageviewBody } = (await import(join(tree, 'bench/collector.ts'))) as {
  BROWSER_HEADERS: Record<string, string>;
  pageviewBody(appId: string): string;
};
const dir = mkdtempSync(join(tmpdir(), 'alt-probe-'));
const server = spawn(
  'taskset',
  [
    '-c',
    '1',
    values.node!,
    ...values['node-arg']!,
    '--import',
    'tsx',
    join(tree, 'bench/servers/collector.ts'),
    '--data-dir',
    dir,
    '--stream',
    'segment-log',
  ],
  { cwd: tree, stdio: ['ignore', 'pipe', 'inherit'] },
);
const serverOut = values['server-out'] ? createWriteStream(values['server-out']) : undefined;
if (serverOut) server.stdout.pipe(serverOut);
try {
  const info = await new Promise<{ port: number; appId: string }>((done, fail) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /BENCH_READY (\{.*\})/.exec(out);
      if (!m) return;
      server.stdout.off('data', onData);
      server.stdout.resume(); // keep draining what follows (trace output) without keeping it
      done(JSON.parse(m[1]));
    };
    server.stdout.on('data', onData);
    server.once('exit', (code) => fail(new Error(`server exited (${code}) before it was ready`)));
  });
  const opts = {
    url: `http://127.0.0.1:${info.port}/v1/hits`,
    body: pageviewBody(info.appId),
    headers: BROWSER_HEADERS,
    ratePerSec: Number(values.rate),
    durationSec: Number(values.seconds),
    warmupSec: 2,
    connections: 64,
    mode: 'pool',
  };
  // The server's CPU seconds (user + system, from /proc): more CPU per request on one core raises
  // the queueing at a fixed rate non-linearly, so it is printed beside the latency.
  // Per thread too (by name: the main thread, V8's platform workers, libuv's pool), to see whether
  // background compilation or GC competes with the main thread for the one core.
  const statSec = (path: string) => {
    const text = readFileSync(path, 'utf8');
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    return { comm, sec: (Number(f[11]) + Number(f[12])) / 100 }; // utime + stime, USER_HZ 100
  };
  const cpuSec = () => statSec(`/proc/${server.pid}/stat`).sec;
  const threadSec = () => {
    const by = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${server.pid}/task`)) {
      try {
        const t = statSec(`/proc/${server.pid}/task/${tid}/stat`);
        const name = tid === String(server.pid) ? 'main' : t.comm.replace(/\d+$/, 'N');
        by.set(name, (by.get(name) ?? 0) + t.sec);
      } catch {} // a thread that ended between readdir and read
    }
    return by;
  };
  const label = [values.node, ...values['node-arg']!].join(' ');
  for (let i = 0; i < Number(values.runs); i++) {
    const cpuBefore = cpuSec();
    const threadsBefore = threadSec();
    const out = execFileSync(
      'taskset',
      [
        '-c',
        '0',
        process.execPath,
        '--import',
        'tsx',
        join(tree, 'bench/lib/open-loop-cli.ts'),
        JSON.stringify(opts),
      ],
      { cwd: tree, encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1) as string) as {
      latency: { p50: number; p99: number; max?: number };
      sendLag: { p99: number };
      sent: number;
      errorCount: number;
    };
    // Per request over the whole run, warm-up included (the generator sends at the same rate).
    const cpuUs = ((cpuSec() - cpuBefore) * 1e6) / (r.sent * (1 + opts.warmupSec / opts.durationSec));
    console.log(
      `${label} run ${i + 1}: p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, max ${r.latency.max?.toFixed(1)} ms, errors ${r.errorCount}, server CPU ${cpuUs.toFixed(0)} µs/hit, client send lag p99 ${r.sendLag.p99.toFixed(1)} ms`,
    );
    const threads = [...threadSec()]
      .map(([name, sec]) => [name, sec - (threadsBefore.get(name) ?? 0)] as const)
      .filter(([, sec]) => sec > 0)
      .map(([name, sec]) => `${name} ${sec.toFixed(2)}`);
    console.log(`  server CPU s by thread: ${threads.join(', ')}`);
  }
} finally {
  // SIGTERM first so the server exits through its own handler and its stdout (trace output) is
  // flushed; SIGKILL if it has not gone in 5 s.
  const exited =
    server.exitCode !== null || server.signalCode !== null
      ? Promise.resolve()
      : new Promise((done) => server.once('exit', done));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  rmSync(dir, { recursive: true, force: true });
  if (serverOut && !serverOut.closed)
    await new Promise<void>((done) => serverOut.once('close', () => done()));
}
