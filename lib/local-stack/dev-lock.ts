/**
 * PGlite allows one process per data dir. While `alt dev` runs it holds `<dataDir>/dev.lock`, naming
 * its loopback-only admin port and a random token; other commands find it and go through the admin
 * API instead of opening the files. A lock whose process is gone is stale and ignored.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type DataDirLayout, dataDirLayout, type RunningStack, requireDataDir } from '../data-dir.ts';

export interface DevLock {
  pid: number;
  /** The collector's public URL. */
  collectorUrl: string;
  /** Loopback-only admin API port. */
  adminPort: number;
  token: string;
}

const lockPath = (dataDir: string) => dataDirLayout(dataDir).lockFile;

/**
 * Every running `alt dev` of this user also leaves a note here (pid → data dir, URL), so a command
 * pointed at the wrong data dir can say which one to use instead of answering empty.
 */
export const runningDir = (): string => join(tmpdir(), `alt-dev-${userInfo().uid}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running `alt dev` for this data dir, or null. */
export function readDevLock(dataDir: string): DevLock | null {
  let lock: DevLock;
  try {
    lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as DevLock;
  } catch {
    return null;
  }
  return lock.pid !== process.pid && alive(lock.pid) ? lock : null;
}

export function newAdminToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Takes the lock; throws when another live `alt dev` holds it. */
export function writeDevLock(dataDir: string, lock: DevLock): () => void {
  const other = readDevLock(dataDir);
  if (other) {
    throw new Error(`alt dev is already running for ${dataDir} (pid ${other.pid}, ${other.collectorUrl})`);
  }
  mkdirSync(dataDir, { recursive: true });
  // 0600: the token is the admin API's only credential besides loopback.
  writeFileSync(lockPath(dataDir), JSON.stringify(lock), { mode: 0o600 });
  const note = join(runningDir(), `${lock.pid}.json`);
  const running: RunningStack = { dataDir: dataDirLayout(dataDir).root, collectorUrl: lock.collectorUrl };
  mkdirSync(runningDir(), { recursive: true, mode: 0o700 });
  writeFileSync(note, JSON.stringify(running), { mode: 0o600 });
  return () => {
    rmSync(lockPath(dataDir), { force: true });
    rmSync(note, { force: true });
  };
}

/** The `alt dev`s of this user that are alive now (notes of dead ones are ignored). */
export function listRunningStacks(): RunningStack[] {
  let names: string[];
  try {
    names = readdirSync(runningDir());
  } catch {
    return [];
  }
  const out: RunningStack[] = [];
  for (const name of names) {
    const pid = Number.parseInt(name, 10);
    if (!Number.isInteger(pid) || pid === process.pid || !alive(pid)) continue;
    try {
      out.push(JSON.parse(readFileSync(join(runningDir(), name), 'utf8')) as RunningStack);
    } catch {
      // a note being written or removed right now
    }
  }
  return out;
}

/** The data dir's layout when `part` of it exists; otherwise an error naming the running stacks. */
export function requireLocalData(dataDir: string, part: Parameters<typeof requireDataDir>[1]): DataDirLayout {
  return requireDataDir(dataDir, part, listRunningStacks());
}
