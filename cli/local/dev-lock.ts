/**
 * PGlite allows one process per data dir. While `alt dev` runs it holds `<dataDir>/dev.lock`, naming
 * its loopback-only admin port and a random token; other commands find it and go through the admin
 * API instead of opening the files. A lock whose process is gone is stale and ignored.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevLock {
  pid: number;
  /** The collector's public URL. */
  collectorUrl: string;
  /** Loopback-only admin API port. */
  adminPort: number;
  token: string;
}

const lockPath = (dataDir: string) => join(dataDir, 'dev.lock');

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
  return () => rmSync(lockPath(dataDir), { force: true });
}
