/**
 * `alt dev`'s side of its transformer process (`lake-process.ts`): starts it at a lower CPU
 * priority (under `chrt --idle` where Linux has it, else `nice`, so every thread it makes — V8's,
 * DuckDB's, the planner's — inherits it)
 * with a bounded heap, answers the collector's registry and salt lookups through it, and restarts
 * it with backoff when it dies: the stream keeps every acknowledged hit meanwhile, and the reader's
 * checkpoint makes the restarted process carry on where the last committed batch ended.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { App, AppRegistry, NewApp } from '../../collector/registry/registry.ts';
import type { SaltStore } from '../../collector/salts.ts';
import { utcDay } from '../../collector/salts.ts';
import type { Config } from '../../lib/config.ts';
import type { FromLake, LakeEvent, LakeOp, ToLake } from './lake-protocol.ts';

export const LAKE_PROCESS_ENTRY = fileURLToPath(new URL('./lake-process.mjs', import.meta.url));

/** Niceness of the transformer process: the collector (0) wins a shared core ~9:1 (CFS weights). */
export const LAKE_NICENESS = 10;
/** V8 heap bound of the transformer process; DuckDB's memory is bounded by its own setting. */
export const LAKE_MAX_OLD_SPACE_MB = 1024;

export interface LakeProcessOptions {
  onEvent(event: LakeEvent): void;
  log(line: string): void;
}

export interface LakeProcess {
  call<T>(op: LakeOp, ...args: unknown[]): Promise<T>;
  /** The registry in the transformer process's database (uncached: put a cache in front). */
  registry: AppRegistry;
  /** Daily salts from the same database, cached here per day. */
  salts: SaltStore;
  /** The running process's pid (tests check its priority). */
  pid(): number | undefined;
  /** Lets it drain what the stream holds, then waits for it to exit. */
  stop(): Promise<void>;
}

const NICE_CANDIDATES = ['/usr/bin/nice', '/bin/nice'];
const CHRT_CANDIDATES = ['/usr/bin/chrt', '/bin/chrt'];

/**
 * Linux's SCHED_IDLE for the transformer process (sched(7)): a task of that class runs only when
 * nothing else wants the core and is preempted as soon as the collector wakes, where under `nice`
 * alone the collector may wait out the rest of the transformer's time slice (EEVDF's base slice is
 * ~3 ms) on each wakeup. The collector uses about half a core at 5,000 hits/s, so the transformer
 * still gets the rest; a collector pinning its core would starve it, as it would starve any hit.
 */
export const LAKE_SCHED_IDLE = true;

function spawnLakeProcess(): ChildProcess {
  const nodeArgs = [`--max-old-space-size=${LAKE_MAX_OLD_SPACE_MB}`, LAKE_PROCESS_ENTRY];
  const options = {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[],
    serialization: 'advanced' as const,
    // glibc makes up to 8 malloc arenas per core for the threads here (DuckDB's, V8's, the
    // planner's), and memory one arena frees is not handed to another: in a process that runs for
    // days, RSS creeps. Two arenas is the usual bound for such servers (mallopt(3), M_ARENA_MAX).
    env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
  };
  const chrt =
    LAKE_SCHED_IDLE && process.platform === 'linux' ? CHRT_CANDIDATES.find((p) => existsSync(p)) : undefined;
  const nice = NICE_CANDIDATES.find((p) => existsSync(p));
  // nice as well: harmless under SCHED_IDLE, and what `ps` and the tests read as lower priority.
  const niced = nice ? [nice, '-n', String(LAKE_NICENESS), process.execPath] : [process.execPath];
  const argv = chrt ? [chrt, '--idle', '0', ...niced] : niced;
  return spawn(argv[0], [...argv.slice(1), ...nodeArgs], options);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A transformer process left by an `alt dev` that was killed exits when it notices its parent is
 * gone; wait for it (then end it) before opening the same database.
 */
async function awaitPrevious(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
    for (let i = 0; i < 20 && alive(pid); i++) await sleep(50);
  }
}

interface Running {
  child: ChildProcess;
  pending: Map<number, { resolve(v: unknown): void; reject(e: Error): void }>;
}

export async function startLakeProcess(config: Config, opts: LakeProcessOptions): Promise<LakeProcess> {
  const pidFile = join(config.dataDir, 'transformer.pid');
  await awaitPrevious(pidFile);
  let nextId = 1;
  let current: Running | undefined;
  let stopping = false;
  let stopped: (() => void) | undefined;

  /** Starts one process and resolves once it has opened the database, or rejects with why not. */
  function launch(): Promise<Running> {
    const child = spawnLakeProcess();
    const running: Running = { child, pending: new Map() };
    return new Promise<Running>((resolve, reject) => {
      let ready = false;
      child.on('message', (msg: FromLake) => {
        if (msg.kind === 'ready') {
          ready = true;
          writeFileSync(pidFile, `${msg.pid}\n`);
          resolve(running);
        } else if (msg.kind === 'init-failed') {
          reject(new Error(msg.error));
        } else if (msg.kind === 'reply') {
          const p = running.pending.get(msg.id);
          running.pending.delete(msg.id);
          if (msg.ok) p?.resolve(msg.value);
          else p?.reject(new Error(msg.error));
        } else if (msg.kind === 'event') {
          opts.onEvent(msg.event);
        } else if (msg.kind === 'stopped') {
          stopped?.();
        }
      });
      child.on('error', (err) => {
        if (!ready) reject(err);
      });
      child.on('exit', (code, signal) => {
        for (const p of running.pending.values()) {
          p.reject(new Error(`the transformer process exited (${signal ?? `code ${code}`})`));
        }
        running.pending.clear();
        if (!ready) {
          reject(new Error(`the transformer process exited while starting (${signal ?? `code ${code}`})`));
          return;
        }
        if (current === running) current = undefined;
        if (!stopping) {
          opts.log(`transformer: its process exited (${signal ?? `code ${code}`}); restarting it`);
          void restart();
        }
      });
      child.send({ kind: 'init', config } satisfies ToLake);
    });
  }

  async function restart(): Promise<void> {
    for (let delayMs = 1000; !stopping; delayMs = Math.min(delayMs * 2, 30_000)) {
      await sleep(delayMs);
      if (stopping) return;
      try {
        current = await launch();
        opts.log('transformer: process restarted');
        return;
      } catch (err) {
        opts.log(`transformer: restart failed: ${(err as Error).message} (retrying)`);
      }
    }
  }

  current = await launch();

  function call<T>(op: LakeOp, ...args: unknown[]): Promise<T> {
    const running = current;
    if (!running?.child.connected) {
      return Promise.reject(new Error('the transformer process is restarting; try again shortly'));
    }
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      running.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      running.child.send({ kind: 'call', id, op, args } satisfies ToLake);
    });
  }

  const registry: AppRegistry = {
    get: (appId) => call<App | null>('registry.get', appId),
    getByWriteKey: (key) => call<App | null>('registry.getByWriteKey', key),
    create: (app: NewApp) => call<{ app: App; writeKey: string }>('registry.create', app),
    list: () => call<App[]>('registry.list'),
    page: (q) => call<{ apps: App[]; total: number }>('registry.page', q),
    update: (appId, changes) => call<App | null>('registry.update', appId, changes),
    disable: (appId) => call<boolean>('registry.disable', appId),
    enable: (appId) => call<boolean>('registry.enable', appId),
    rotateKey: (appId) => call<string | null>('registry.rotateKey', appId),
    ping: () => call<boolean>('registry.ping').catch(() => false),
  };

  // Hits near midnight ask for two days alternately: keep a few days, not one.
  const saltDays = new Map<string, Promise<Uint8Array>>();
  const salts: SaltStore = {
    saltFor(at) {
      const day = utcDay(at);
      let salt = saltDays.get(day);
      if (!salt) {
        salt = call<Uint8Array>('salts.saltFor', at);
        salt.catch(() => saltDays.delete(day));
        saltDays.set(day, salt);
        for (const d of saltDays.keys()) if (saltDays.size > 3) saltDays.delete(d);
      }
      return salt;
    },
  };

  return {
    call,
    registry,
    salts,
    pid: () => current?.child.pid,
    async stop() {
      stopping = true;
      const running = current;
      if (!running?.child.connected) return;
      const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
      const acknowledged = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      running.child.send({ kind: 'stop' } satisfies ToLake);
      await Promise.race([acknowledged.then(() => exited), exited]);
      rmSync(pidFile, { force: true });
    },
  };
}
