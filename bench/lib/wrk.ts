/**
 * wrk (Debian's, 4.1) as the throughput client: a Lua script for the POST body and for a
 * machine-readable summary, the command line, and a parser of what wrk prints. The parser is pure
 * and tested against real wrk output; `runWrk` is the thin process shell.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WrkRequest {
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** Count responses by status code (costs wrk some CPU: only for overload runs). */
  countStatuses?: boolean;
}

export interface WrkResult {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  /** Latencies in ms. */
  latency: { mean: number; p50: number; p75?: number; p90: number; p99: number; max: number };
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  /** Requests answered with a status outside 2xx/3xx. */
  non2xx: number;
  /** Only with `countStatuses`. */
  statuses?: Record<string, number>;
}

const JSON_MARK = 'WRK_JSON ';

const luaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** The Lua script: request shape, optional per-status counting, and a JSON summary line at the end. */
export function buildLuaScript(req: WrkRequest): string {
  const lines = [`wrk.method = ${luaString(req.method)}`];
  if (req.body !== undefined) lines.push(`wrk.body = ${luaString(req.body)}`);
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  }
  lines.push('local threads = {}', 'function setup(thread) table.insert(threads, thread) end');
  if (req.countStatuses) {
    lines.push(
      'statuses = {}',
      'function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end',
    );
  }
  lines.push(
    'function done(summary, latency, requests)',
    '  local agg = {}',
    req.countStatuses
      ? '  for _, t in ipairs(threads) do for k, v in pairs(t:get("statuses")) do agg[k] = (agg[k] or 0) + v end end'
      : '',
    '  local parts = {}',
    '  for k, v in pairs(agg) do table.insert(parts, string.format("\\"%d\\":%d", k, v)) end',
    '  local e = summary.errors',
    '  io.write(string.format(' +
      luaString(
        `${JSON_MARK}{"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},` +
          '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p75":%d,"p90":%d,"p99":%d},"statuses":{%s}}\n',
      ) +
      ',',
    '    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,',
    '    latency.mean, latency.max, latency:percentile(50), latency:percentile(75), latency:percentile(90),',
    '    latency:percentile(99), table.concat(parts, ",")))',
    'end',
  );
  return `${lines.filter((l) => l !== '').join('\n')}\n`;
}

const TIME_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const COUNT: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9 };

/** `324.55us` → 0.32455 (ms). */
export function parseWrkTime(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(s.trim());
  if (!m) throw new Error(`not a wrk time: ${JSON.stringify(s)}`);
  return Number(m[1]) * TIME_MS[m[2]];
}

/** `58.83k` → 58830. */
export function parseWrkCount(s: string): number {
  const m = /^([\d.]+)([kMG]?)$/.exec(s.trim());
  if (!m) throw new Error(`not a wrk count: ${JSON.stringify(s)}`);
  return Number(m[1]) * COUNT[m[2]];
}

/**
 * Parses wrk's text report (with `--latency`); when the script's JSON line is present its exact
 * microsecond figures replace the rounded text ones.
 */
export function parseWrkOutput(text: string): WrkResult {
  const need = (re: RegExp, what: string) => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrk output has no ${what}:\n${text}`);
    return m;
  };
  const total = need(/(\d+) requests in ([\d.]+\w+),/, 'request total');
  const rps = need(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec');
  const lat = need(/Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)/, 'latency line');
  const pct = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+\\w+)\\s*$`, 'm').exec(text);
    return m ? parseWrkTime(m[1]) : Number.NaN;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const result: WrkResult = {
    requests: Number(total[1]),
    durationSec: parseWrkTime(total[2]) / 1000,
    requestsPerSec: Number(rps[1]),
    latency: {
      mean: parseWrkTime(lat[1]),
      p50: pct(50),
      p75: pct(75),
      p90: pct(90),
      p99: pct(99),
      max: parseWrkTime(lat[3]),
    },
    errors: {
      connect: Number(sock?.[1] ?? 0),
      read: Number(sock?.[2] ?? 0),
      write: Number(sock?.[3] ?? 0),
      timeout: Number(sock?.[4] ?? 0),
      status: non2xx,
    },
    non2xx,
  };
  const jsonLine = text.split('\n').find((l) => l.startsWith(JSON_MARK));
  if (jsonLine) {
    const j = JSON.parse(jsonLine.slice(JSON_MARK.length)) as {
      requests: number;
      duration_us: number;
      errors: WrkResult['errors'];
      latency_us: Record<'mean' | 'max' | 'p50' | 'p75' | 'p90' | 'p99', number>;
      statuses: Record<string, number>;
    };
    const ms = (us: number) => us / 1000;
    result.requests = j.requests;
    result.durationSec = j.duration_us / 1e6;
    result.requestsPerSec = j.requests / result.durationSec;
    result.errors = j.errors;
    result.latency = {
      mean: ms(j.latency_us.mean),
      p50: ms(j.latency_us.p50),
      p75: ms(j.latency_us.p75),
      p90: ms(j.latency_us.p90),
      p99: ms(j.latency_us.p99),
      max: ms(j.latency_us.max),
    };
    if (Object.keys(j.statuses).length) result.statuses = j.statuses;
  }
  return result;
}

export interface WrkRun extends WrkRequest {
  url: string;
  connections: number;
  threads: number;
  durationSec: number;
  /** Per-request timeout (wrk counts a slower response as a timeout error). */
  timeoutSec?: number;
  /** `taskset -c <cpus>` for the client; omitted when the machine has one core. */
  cpus?: string;
  /** Where the Lua script is written. */
  workDir: string;
}

/** wrk's command line (before any `taskset`). */
export function wrkArgs(run: Omit<WrkRun, keyof WrkRequest | 'workDir'>, scriptPath: string): string[] {
  return [
    `-t${run.threads}`,
    `-c${run.connections}`,
    `-d${run.durationSec}s`,
    `--timeout`,
    `${run.timeoutSec ?? 5}s`,
    '--latency',
    '-s',
    scriptPath,
    run.url,
  ];
}

export async function runWrk(run: WrkRun): Promise<WrkResult & { command: string }> {
  const script = join(run.workDir, `wrk-${process.pid}-${Date.now()}.lua`);
  await writeFile(script, buildLuaScript(run));
  const args = wrkArgs(run, script);
  const [cmd, argv] = run.cpus ? ['taskset', ['-c', run.cpus, 'wrk', ...args]] : ['wrk', args];
  const text = await new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    // wrk ends by itself after -d; the guard only catches a hung client.
    const guard = setTimeout(() => child.kill('SIGKILL'), (run.durationSec + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk exited with ${code}:\n${out}`));
    });
  });
  return { ...parseWrkOutput(text), command: [cmd, ...argv].join(' ') };
}
