/**
 * `alt apps create | list | disable`: once as a user runs it (the real CLI in a subprocess, PGlite
 * in a temp dir), the rest in-process against the real PostgreSQL (subprocesses cost seconds each).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashWriteKey } from '../../collector/registry/ids.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import { registerApps } from './apps.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/alt.mjs', import.meta.url).pathname;

/** Runs `alt apps …` in this process and returns what it printed. */
async function inProcess(...args: string[]): Promise<string> {
  const program = new Command('alt').exitOverride();
  registerApps(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['apps', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('alt apps on PGlite (subprocess)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alt-apps-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('create --json prints the id and the key once; the data dir keeps only its hash', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        BIN,
        'apps',
        'create',
        '--name',
        'Shop',
        '--origin',
        'https://shop.example',
        '--json',
        '--data-dir',
        dir,
      ],
      { env: { ...process.env, DATABASE_URL: '' } },
    );
    const { app_id, write_key } = JSON.parse(stdout) as { app_id: string; write_key: string };
    expect(app_id).toMatch(/^alt_[0-9A-Za-z]{22}$/);
    expect(write_key).toMatch(/^altk_[0-9A-Za-z]{43}$/);
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const listed = JSON.parse(await inProcess('list', '--json', '--data-dir', dir));
      expect(listed).toMatchObject([
        { app_id, name: 'Shop', allowed_origins: ['https://shop.example'], bot_policy: 'drop' },
      ]);
      expect(JSON.stringify(listed)).not.toContain(write_key);
      // Reading a data dir that does not exist refuses and creates nothing (it used to make a
      // 39 MB PGlite and list no apps).
      const missing = join(dir, 'does', 'not', 'exist');
      await expect(inProcess('list', '--data-dir', missing)).rejects.toThrow(/no ALT data at .*exist/);
      await expect(inProcess('disable', app_id, '--data-dir', missing)).rejects.toThrow(/no ALT data/);
      expect(existsSync(join(dir, 'does'))).toBe(false);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  }, 120_000);
});

describe.runIf(Boolean(databaseUrl))('alt apps on PostgreSQL (DATABASE_URL / --database-url)', () => {
  let t: Awaited<ReturnType<typeof createTestSchema>>;
  let url: string;
  beforeAll(async () => {
    t = await createTestSchema();
    url = `${databaseUrl}${databaseUrl!.includes('?') ? '&' : '?'}options=-c%20search_path%3D${t.schema}`;
  });
  afterAll(async () => t?.drop());

  it('creates (human output), lists, disables, and refuses bad input', async () => {
    const human = await inProcess('create', '--name', 'Blog', '--bot-policy', 'keep', '--database-url', url);
    expect(human).toMatch(/app_id: +alt_[0-9A-Za-z]{22}/);
    expect(human).toContain('shown only this once');
    const appId = /app_id: +(alt_\w{22})/.exec(human)![1];
    const key = /write key: +(altk_\w+)/.exec(human)![1];
    const rows = await t.db.query<{ write_key_sha256: string }>(
      'SELECT write_key_sha256 FROM applications WHERE app_id = $1',
      [appId],
    );
    expect(rows.rows[0].write_key_sha256).toBe(hashWriteKey(key));

    expect(await inProcess('list', '--database-url', url)).toContain(
      `${appId}  Blog  [active, bots: keep, any origin]`,
    );
    expect(await inProcess('disable', appId, '--database-url', url)).toBe(`${appId} disabled\n`);
    const after = JSON.parse(await inProcess('list', '--json', '--database-url', url));
    expect(after[0].disabled_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    await expect(
      inProcess('create', '--name', 'x', '--bot-policy', 'maybe', '--database-url', url),
    ).rejects.toThrow(/drop or keep/);
    await expect(inProcess('disable', 'alt_0000000000000000000000', '--database-url', url)).rejects.toThrow(
      /no app/,
    );
  });

  it('enables a disabled app and rotates its write key (shown once; the old one no longer matches)', async () => {
    const created = JSON.parse(await inProcess('create', '--name', 'Keys', '--json', '--database-url', url));
    await inProcess('disable', created.app_id, '--database-url', url);
    expect(await inProcess('enable', created.app_id, '--database-url', url)).toBe(
      `${created.app_id} enabled\n`,
    );
    const listed = JSON.parse(await inProcess('list', '--json', '--database-url', url));
    expect(listed.find((a: { app_id: string }) => a.app_id === created.app_id).disabled_at).toBeNull();

    const rotated = JSON.parse(
      await inProcess('rotate-key', created.app_id, '--json', '--database-url', url),
    );
    expect(rotated.write_key).toMatch(/^altk_[0-9A-Za-z]{43}$/);
    const rows = await t.db.query<{ write_key_sha256: string }>(
      'SELECT write_key_sha256 FROM applications WHERE app_id = $1',
      [created.app_id],
    );
    expect(rows.rows[0].write_key_sha256).toBe(hashWriteKey(rotated.write_key));
    expect(rows.rows[0].write_key_sha256).not.toBe(hashWriteKey(created.write_key));
    await expect(
      inProcess('rotate-key', 'alt_0000000000000000000000', '--database-url', url),
    ).rejects.toThrow(/no app/);
  });
});
