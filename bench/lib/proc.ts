/**
 * Processes under test: start one (optionally pinned to a core with `taskset`), wait for its ready
 * line, sample its RSS and open file descriptors from /proc, stop it. `parseProcStatus` is pure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { READY_PREFIX } from '../servers/announce.ts';

/** `VmRSS:   123456 kB` and friends from /proc/<pid>/status, in bytes. */
export function parseProcStatus(text: string): { rssBytes: number; hwmBytes: number; threads: number } {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  };
  const threads = Number(/^Threads:\s+(\d+)/m.exec(text)?.[1] ?? Number.NaN);
  return { rssBytes: kb('VmRSS'), hwmBytes: kb('VmHWM'), threads };
}

/** CPU seconds (user + system) from /proc/<pid>/stat; `ticksPerSec` is `getconf CLK_TCK` (100 on Linux). */
export function parseProcStatCpu(text: string, ticksPerSec = 100): number {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSec;
}

export async function readCpuSeconds(pid: number): Promise<number> {
  return parseProcStatCpu(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

export async function readRss(pid: number): Promise<number> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8')).rssBytes;
}

/** The parent pid from /proc/<pid>/stat (field 4, counted after the command name's last ')'). */
export function parseProcStatPpid(text: string): number {
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
}

/** `root` and every process below it, from a pid → parent pid map. Pure. */
export function processTree(parents: ReadonlyMap<number, number>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * RSS and CPU time summed over a process and all its descendants (a server that moves work into
 * child processes is measured whole), and how many processes that was. Processes that exit while
 * being read are skipped (their CPU time with them: compare samples of a tree that keeps its
 * processes).
 */
export async function readTreeUsage(root: number): Promise<{
  rssBytes: number;
  rootRssBytes: number;
  cpuSeconds: number;
  rootCpuSeconds: number;
  processes: number;
}> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parents.set(Number(name), parseProcStatPpid(await readFile(`/proc/${name}/stat`, 'utf8')));
    } catch {
      // gone meanwhile
    }
  }
  let rssBytes = 0;
  let rootRssBytes = 0;
  let cpuSeconds = 0;
  let rootCpuSeconds = 0;
  let processes = 0;
  for (const pid of processTree(parents, root)) {
    try {
      const [rss, cpu] = await Promise.all([readRss(pid), readCpuSeconds(pid)]);
      rssBytes += rss;
      if (pid === root) {
        rootRssBytes = rss;
        rootCpuSeconds = cpu;
      }
      cpuSeconds += cpu;
      processes++;
    } catch {
      // gone meanwhile
    }
  }
  return { rssBytes, rootRssBytes, cpuSeconds, rootCpuSeconds, processes };
}

export async function countFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

export interface Sample {
  tMs: number;
  rssBytes: number;
  fds: number;
}

/** Samples RSS and open fds every `intervalMs` until `stop()`. */
export function startSampler(pid: number, intervalMs = 250): { stop(): Sample[] } {
  const samples: Sample[] = [];
  const t0 = Date.now();
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const [rssBytes, fds] = await Promise.all([readRss(pid), countFds(pid)]);
      samples.push({ tMs: Date.now() - t0, rssBytes, fds });
    } catch {
      // the process is gone; the caller notices elsewhere
    } finally {
      busy = false;
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

export interface Started<I> {
  /** What the process announced (its port, app id, …). */
  info: I & { pid: number };
  child: ChildProcess;
  /** stderr seen so far (for error reports). */
  stderr(): string;
  /** stdout after the ready line (e.g. a `BENCH_STATS` line printed on exit). */
  stdout(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A TypeScript entry run with `node --import tsx`. */
  script: string;
  args?: string[];
  /** `taskset -c <cpus>`; omitted: not pinned. */
  cpus?: string;
  /** `nice -n <n>` (negative needs root; otherwise nice warns and runs it at normal priority). */
  nice?: number;
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
}

export function startProcess<I extends object>(o: StartOptions): Promise<Started<I>> {
  const node = [process.execPath, ...(o.nodeArgs ?? []), '--import', 'tsx', o.script, ...(o.args ?? [])];
  const pinned = o.cpus ? ['taskset', '-c', o.cpus, ...node] : node;
  const [cmd, ...argv] = o.nice !== undefined ? ['nice', '-n', String(o.nice), ...pinned] : pinned;
  const child = spawn(cmd, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let err = '';
  let out = '';
  let after = '';
  let ready = false;
  child.stderr!.on('data', (d) => {
    err = (err + d).slice(-20_000);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${o.script} not ready within ${o.readyTimeoutMs ?? 30_000} ms:\n${err}`));
    }, o.readyTimeoutMs ?? 30_000);
    child.stdout!.on('data', (d) => {
      if (ready) {
        after = (after + d).slice(-100_000);
        return;
      }
      out += d;
      const line = out.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        ready = true;
        clearTimeout(timer);
        resolve({
          info: JSON.parse(line.slice(READY_PREFIX.length)),
          child,
          stderr: () => err,
          stdout: () => after,
          stop,
        });
      }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${o.script} exited (${code ?? sig}) before it was ready:\n${err}`));
    });
  });
}

/** Runs a process to completion and returns its stdout; rejects on a non-zero exit or the time bound. */
export function runToCompletion(
  cmd: string,
  args: string[],
  o: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; inheritStderr?: boolean },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', o.inheritStderr ? 'inherit' : 'pipe'],
      env: { ...process.env, ...o.env },
      cwd: o.cwd,
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      err = (err + d).slice(-20_000);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} exceeded ${o.timeoutMs} ms`));
    }, o.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err.slice(-4000)}`));
    });
  });
}
