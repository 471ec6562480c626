/**
 * One writer per log directory: two processes appending to one segment would interleave frames
 * at the same offsets. A `writer.lock` file names the owning pid; a lock left by a process that
 * no longer exists (kill -9) is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const heldHere = new Set<string>();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export async function acquireWriterLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'writer.lock');
  if (heldHere.has(path)) throw new Error(`segment log ${dir} is already open for writing in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`segment log ${dir} is being written by process ${owner}`);
      }
      await unlink(path).catch(() => {});
    }
  }
  heldHere.add(path);
  return async () => {
    heldHere.delete(path);
    await unlink(path).catch(() => {});
  };
}
