/**
 * Starts the drill collector (`collector-child.ts`) as a child process and keeps track of every
 * child so `killAll()` can SIGKILL whatever is left (the runner calls it on exit and on errors).
 */
import { join } from 'node:path';
import { type Started, startProcess } from '../../bench/lib/proc.ts';

const CHILD = join(import.meta.dirname, 'collector-child.ts');

export interface CollectorInfo {
  port: number;
  appId: string;
  writeKey: string;
  disabled: string;
  restricted: string;
}

export type DrillCollector = Started<CollectorInfo> & {
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
};

const live = new Set<DrillCollector>();

/** `flags`: collector settings by flag name without dashes (`{ stream: 'kinesis' }`). */
export async function startDrillCollector(
  dataDir: string,
  flags: Record<string, string> = {},
): Promise<DrillCollector> {
  const all: Record<string, string> = {
    'data-dir': dataDir,
    port: '0',
    'log-level': 'error',
    // Every drill request comes from 127.0.0.1: the per-address limit would be the drill's only finding.
    'rate-limit-ip': '1000000',
    'rate-limit-app': '100000000',
    ...flags,
  };
  const started = await startProcess<CollectorInfo>({
    script: CHILD,
    args: Object.entries(all).flatMap(([k, v]) => [`--${k}`, v]),
    // Not the environment's database: the drill's registry is its own PGlite.
    env: { DATABASE_URL: undefined },
    readyTimeoutMs: 60_000,
  });
  const c: DrillCollector = {
    ...started,
    async kill9() {
      const ch = started.child;
      if (ch.exitCode === null && ch.signalCode === null) {
        const exited = new Promise<void>((r) => ch.once('exit', () => r()));
        ch.kill('SIGKILL');
        await exited;
      }
      live.delete(c);
    },
    async stop() {
      await started.stop();
      live.delete(c);
    },
  };
  live.add(c);
  return c;
}

export function killAll(): void {
  for (const c of live) c.child.kill('SIGKILL');
  live.clear();
}
