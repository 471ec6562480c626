import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callAdmin, startAdminServer } from './admin-api.ts';
import { newAdminToken, readDevLock, writeDevLock } from './dev-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'alt-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dev lock and admin API', () => {
  it('lets another command reach the running dev process, and only with its token', async () => {
    const token = newAdminToken();
    const server = await startAdminServer(token, { echo: async (b) => ({ got: b.x }) });
    // The lock names a live process other than this one: use the parent (the test runner).
    const release = writeDevLock(dir, {
      pid: process.ppid,
      collectorUrl: 'http://x',
      adminPort: server.port,
      token,
    });
    const lock = readDevLock(dir);
    expect(lock?.adminPort).toBe(server.port);
    expect(await callAdmin(lock!, 'echo', { x: 42 })).toEqual({ got: 42 });
    await expect(callAdmin({ ...lock!, token: 'wrong' }, 'echo')).rejects.toThrow(/invalid_token/);
    await expect(callAdmin(lock!, 'nope')).rejects.toThrow(/nope/);
    expect(() => writeDevLock(dir, { ...lock!, pid: process.pid })).toThrow(/already running/);
    release();
    expect(readDevLock(dir)).toBeNull();
    await server.close();
  });

  it('ignores a stale lock whose process is gone', () => {
    writeDevLock(dir, { pid: 2 ** 22 + 12345, collectorUrl: 'http://x', adminPort: 1, token: 't' });
    expect(readDevLock(dir)).toBeNull();
  });
});
