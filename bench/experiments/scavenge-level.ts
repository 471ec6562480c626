/**
 * Which "scavenge level" a collector process settles in under the sustained run's load, without
 * `alt dev` around it: the server (bench/servers/collector.ts, or a bare Fastify) pinned to core 0
 * with `--trace-gc`, the open-loop client of the sustained run (undici pool, first free connection)
 * pinned to core 1, at a fixed rate. Prints, per run, the scavenges' median pause, how much the old
 * generation grew per scavenge (what they promoted), the mark-compacts, and the client's p99.
 *
 *   node --import tsx bench/experiments/scavenge-level.ts [--server segment-log|none|skeleton|main|dev]
 *     [--connections 512] [--rate 5000] [--seconds 60] [--warmup 30] [--runs 1] [--out FILE]
 *     [--node-flags "…"] [--server-args "…"]
 *     [--heap-profile FILE [--heap-profile-all] [--heap-profile-start 60] [--heap-profile-seconds 20]]
 *
 * `--heap-profile` preloads `heap-sampling-probe.mjs` into the server: a sampling heap profile of what
 * its scavenges promoted (or, with `--heap-profile-all`, of everything it allocated), from
 * `--heap-profile-start` seconds after the server started; `heap-sites.ts` compares two such files.
 *
 * A run is "slow" when its scavenges' median pause is ≥ 8 ms (docs/performance.md: ~1–5 ms fast,
 * 13–15 ms slow under `alt dev`).
 */
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readDevLock } from '../../lib/local-stack/dev-lock.ts';
import { BROWSER_HEADERS, pageviewBody } from '../collector.ts';
import type { OpenLoopResult } from '../lib/open-loop.ts';
import { runToCompletion } from '../lib/proc.ts';
import { READY_PREFIX } from '../servers/announce.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '../..');

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'segment-log' },
    connections: { type: 'string', default: '512' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '30' },
    runs: { type: 'string', default: '1' },
    'node-flags': { type: 'string', default: '' },
    'server-args': { type: 'string', default: '' },
    'client-node-flags': { type: 'string', default: '' },
    mode: { type: 'string', default: 'pool' },
    transport: { type: 'string', default: 'raw' },
    out: { type: 'string' },
    'heap-profile': { type: 'string' },
    'heap-profile-all': { type: 'boolean', default: false },
    'heap-profile-start': { type: 'string', default: '60' },
    'heap-profile-seconds': { type: 'string', default: '20' },
  },
});

interface Gc {
  atMs: number;
  kind: 'scavenge' | 'mark-compact' | 'other';
  beforeMb: number;
  afterMb: number;
  pauseMs: number;
}

/** One `--trace-gc` line: `[pid:0x…]   112653 ms: Scavenge 104.7 (191.2) -> 53.4 (191.2) MB, pooled: 0 MB, 3.56 / 0.90 ms …`. */
export function parseTraceGc(line: string): Gc | undefined {
  const m =
    /\s(\d+) ms: (Scavenge|Mark-Compact|[A-Za-z-]+)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \//.exec(
      line,
    );
  if (!m) return undefined;
  const kind = m[2] === 'Scavenge' ? 'scavenge' : m[2] === 'Mark-Compact' ? 'mark-compact' : 'other';
  return { atMs: Number(m[1]), kind, beforeMb: Number(m[3]), afterMb: Number(m[4]), pauseMs: Number(m[5]) };
}

/** How much the heap kept grew across each scavenge that followed a scavenge (what it promoted). */
function promotedPerScavenge(gcs: readonly Gc[]): number[] {
  const grow: number[] = [];
  for (let i = 1; i < gcs.length; i++) {
    if (gcs[i]!.kind === 'scavenge' && gcs[i - 1]!.kind === 'scavenge')
      grow.push(gcs[i]!.afterMb - gcs[i - 1]!.afterMb);
  }
  return grow;
}

const median = (xs: number[]) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN;

/**
 * An app in the data dir: made in its database before `collector/main.ts` starts, or through a
 * running `alt dev`'s admin API.
 */
async function createApp(dataDir: string): Promise<string> {
  const out = await runToCompletion(
    process.execPath,
    [join(ROOT, 'bin/alt.mjs'), 'apps', 'create', '--data-dir', dataDir, '--name', 'level', '--json'],
    { timeoutMs: 120_000, cwd: ROOT },
  );
  return (JSON.parse(out.trim()) as { app_id: string }).app_id;
}

/** `alt dev`'s collector URL from its lock, then an app made through it. */
async function devReady(dataDir: string, exited: () => boolean): Promise<{ port: number; appId: string }> {
  for (let i = 0; i < 720; i++) {
    if (exited()) throw new Error('alt dev exited before it was ready');
    const lock = readDevLock(dataDir);
    if (lock) {
      const appId = await createApp(dataDir).catch(() => undefined);
      if (appId) return { port: Number(new URL(lock.collectorUrl).port), appId };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('alt dev not ready within 180 s');
}

async function startServer(dataDir: string) {
  const flags = ['--trace-gc', '--expose-gc', ...values['node-flags'].split(/\s+/).filter(Boolean)];
  if (values['heap-profile']) flags.push(`--import=${join(HERE, 'heap-sampling-probe.mjs')}`);
  const appId = values.server === 'main' ? await createApp(dataDir) : undefined;
  const script =
    values.server === 'dev'
      ? [join(ROOT, 'bin/alt.mjs'), 'dev', '--data-dir', dataDir, '--port', '0']
      : values.server === 'skeleton'
        ? [join(ROOT, 'bench/servers/fastify-skeleton.ts')]
        : values.server === 'main'
          ? [join(ROOT, 'collector/main.ts'), '--data-dir', dataDir, '--port', '0', '--log-level', 'info']
          : [
              join(ROOT, 'bench/servers/collector.ts'),
              '--data-dir',
              dataDir,
              '--stream',
              values.server === 'none' ? 'none' : 'segment-log',
            ];
  const args = [
    '-c',
    '0',
    process.execPath,
    ...flags,
    '--import',
    'tsx',
    ...script,
    ...values['server-args'].split(/\s+/).filter(Boolean),
  ];
  // bin/alt.mjs loads tsx itself.
  if (values.server === 'dev') args.splice(args.indexOf('--import'), 2);
  const child = spawn('taskset', args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ALT_RATE_LIMIT_IP: '1000000',
      ALT_RATE_LIMIT_APP: '100000000',
      ...(values['heap-profile'] && {
        ALT_HEAP_SAMPLE_OUT: values['heap-profile'],
        ALT_HEAP_SAMPLE_ALL: values['heap-profile-all'] ? '1' : '0',
        ALT_HEAP_SAMPLE_START: values['heap-profile-start'],
        ALT_HEAP_SAMPLE_SECONDS: values['heap-profile-seconds'],
      }),
    },
  });
  const gcs: Gc[] = [];
  let partial = '';
  const ready = new Promise<{ port: number; appId?: string }>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      if (process.env.SCAVENGE_LEVEL_SERVER_LOG)
        appendFileSync(process.env.SCAVENGE_LEVEL_SERVER_LOG, `${lines.join('\n')}\n`);
      for (const line of lines) {
        if (line.startsWith(READY_PREFIX)) resolve(JSON.parse(line.slice(READY_PREFIX.length)));
        // collector/main.ts logs its URL (pino JSON) instead.
        if (line.includes('"collector listening"')) {
          resolve({ port: Number(new URL((JSON.parse(line) as { url: string }).url).port), appId });
        }
        const gc = parseTraceGc(line);
        if (gc) gcs.push(gc);
      }
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  if (values.server === 'dev') ready.catch(() => {});
  const info =
    values.server === 'dev'
      ? await devReady(dataDir, () => child.exitCode !== null || child.signalCode !== null)
      : await ready;
  return { child, gcs, info };
}

function client(url: string, body: string): Promise<{ result: OpenLoopResult; gcs: Gc[] }> {
  const o = {
    url,
    body,
    headers: BROWSER_HEADERS,
    ratePerSec: Number(values.rate),
    durationSec: Number(values.seconds),
    connections: Number(values.connections),
    mode: values.mode,
    transport: values.transport,
    timeoutMs: 10_000,
    maxInFlight: Number(values.rate) * 10,
    warmupSec: Number(values.warmup),
  };
  const node = [
    process.execPath,
    '--trace-gc',
    ...values['client-node-flags'].split(/\s+/).filter(Boolean),
    '--import',
    'tsx',
    join(ROOT, 'bench/lib/open-loop-cli.ts'),
    JSON.stringify(o),
  ];
  return new Promise((resolve, reject) => {
    const c = spawn('taskset', ['-c', '1', ...node], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    c.on('close', (code) => {
      if (code !== 0) return reject(new Error(`client ${code}`));
      const lines = out.split('\n');
      const gcs = lines.map(parseTraceGc).filter((g): g is Gc => g !== undefined);
      if (process.env.SCAVENGE_LEVEL_CLIENT_LOG) writeFileSync(process.env.SCAVENGE_LEVEL_CLIENT_LOG, out);
      resolve({ result: JSON.parse(lines.find((l) => l.startsWith('{'))!), gcs });
    });
  });
}

const runs = [];
for (let r = 0; r < Number(values.runs); r++) {
  const dir = await mkdtemp(join(tmpdir(), 'alt-level-'));
  const server = await startServer(dir);
  try {
    const startedMs = Date.now();
    const { result, gcs: clientGcs } = await client(
      `http://127.0.0.1:${server.info.port}/v1/hits`,
      pageviewBody(server.info.appId ?? 'alt_0000000000000000000000'),
    );
    // The measured part: the last `seconds` of the server's GC log (its clock starts at its own start).
    const endMs = Math.max(...server.gcs.map((g) => g.atMs));
    const fromMs = endMs - Number(values.seconds) * 1000 + 1000;
    const measured = server.gcs.filter((g) => g.atMs >= fromMs);
    const scav = measured.filter((g) => g.kind === 'scavenge');
    const run = {
      server: values.server,
      connections: Number(values.connections),
      scavenges: scav.length,
      scavengePauseP50Ms: median(scav.map((g) => g.pauseMs)),
      scavengePauseSumMs: Math.round(scav.reduce((s, g) => s + g.pauseMs, 0)),
      promotedMbPerScavengeP50: Math.round(median(promotedPerScavenge(measured)) * 100) / 100,
      markCompacts: measured.filter((g) => g.kind === 'mark-compact').length,
      level: median(scav.map((g) => g.pauseMs)) >= 8 ? 'slow' : 'fast',
      p99Ms: result.latency.p99,
      clientSendLagP99Ms: result.sendLag.p99,
      clientScavengePauseP50Ms: median(clientGcs.filter((g) => g.kind === 'scavenge').map((g) => g.pauseMs)),
      clientScavengePauseMaxMs: Math.max(0, ...clientGcs.map((g) => g.pauseMs)),
      clientPromotedMbPerScavengeP50: Math.round(median(promotedPerScavenge(clientGcs)) * 100) / 100,
      clientScavenges: clientGcs.filter((g) => g.kind === 'scavenge').length,
      clientMarkCompacts: clientGcs.filter((g) => g.kind === 'mark-compact').length,
      p50Ms: result.latency.p50,
      errors: result.errorCount,
      wallSec: Math.round((Date.now() - startedMs) / 1000),
    };
    console.log(JSON.stringify(run));
    runs.push(run);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}
if (values.out)
  await writeFile(values.out, `${JSON.stringify({ at: new Date().toISOString(), runs }, null, 2)}\n`);
