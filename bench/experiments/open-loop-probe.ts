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
import { mkdtempSync, rmSync } from 'node:fs';
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
try {
  const info = await new Promise<{ port: number; appId: string }>((done, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /BENCH_READY (\{.*\})/.exec(out);
      if (m) done(JSON.parse(m[1]));
    });
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
  for (let i = 0; i < Number(values.runs); i++) {
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
      errorCount: number;
    };
    console.log(
      `${values.node} run ${i + 1}: p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, max ${r.latency.max?.toFixed(1)} ms, errors ${r.errorCount}`,
    );
  }
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
