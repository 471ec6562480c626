/** The local-directory `ObjectStore` (the embedded lake under `<dataDir>/lake`). */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectInfo, ObjectStore } from './object-store.ts';

/** Temporary names start with '.' and end in '.tmp': no reader's `*.parquet` glob sees them. */
const tmpName = (path: string) => join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);

export function createFsStore(root: string): ObjectStore {
  const pathOf = (key: string) => {
    if (key.split('/').some((p) => p === '..' || p === '')) throw new Error(`invalid object key ${key}`);
    return join(root, ...key.split('/'));
  };

  async function walk(dir: string, out: ObjectInfo[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, out);
      else if (e.isFile() && !e.name.endsWith('.tmp')) {
        out.push({ key: relative(root, p).split(sep).join('/'), size: (await stat(p)).size });
      }
    }
  }

  return {
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const tmp = tmpName(path);
      try {
        if (body instanceof Uint8Array) await writeFile(tmp, body);
        else await copyFile(body.file, tmp);
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async download(key, file) {
      try {
        await copyFile(pathOf(key), file);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    },
    async list(prefix) {
      // Walk only the deepest directory the prefix names, then filter by the full prefix.
      const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      const out: ObjectInfo[] = [];
      await walk(dirPart ? pathOf(dirPart) : root, out);
      return out
        .filter((o) => o.key.startsWith(prefix))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async delete(keys) {
      for (const k of keys) await rm(pathOf(k), { force: true });
    },
    describe: (key) => pathOf(key),
  };
}
