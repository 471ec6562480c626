import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { BEACON_DIST, ensureBeacon } from '../../beacon/build.ts';
import { QUEUE_STUB_CSP_SOURCE } from '../../beacon/snippet.ts';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import { startAdminServer } from '../../lib/local-stack/admin-api.ts';
import { appJson } from '../local/apps-admin.ts';
import { defaultCollectorUrl, registerSnippet } from './apps-snippet.ts';

const APP = 'alt_0123456789abcdefghijkl';

async function run(...args: string[]): Promise<string> {
  let text = '';
  const program = new Command('alt').exitOverride();
  const apps = program.command('apps').exitOverride();
  registerSnippet(apps, (t) => {
    text += t;
  });
  await program.parseAsync(['apps', 'snippet', ...args], { from: 'user' });
  return text;
}

describe('alt apps snippet', () => {
  it('prints the SRI-pinned script of the current build, the noscript pixel and the CSP to allow', async () => {
    const text = await run(
      APP,
      '--no-check',
      '--collector',
      'https://t.example.com/',
      '--sub',
      'acme',
      '--session',
    );
    const manifest = await ensureBeacon();
    expect(text).toContain(
      `<script async src="https://t.example.com/${manifest.file}" integrity="${manifest.integrity}" crossorigin="anonymous" data-app="${APP}" data-sub="acme" data-session="true"></script>`,
    );
    expect(text).toContain(
      `<noscript><img src="https://t.example.com/v1/p.gif?app_id=${APP}&amp;event_type=pageview`,
    );
    expect(text).toContain(
      `script-src https://t.example.com ${QUEUE_STUB_CSP_SOURCE}; connect-src https://t.example.com`,
    );
  });

  it('prints JSON with --json', async () => {
    const out = JSON.parse(await run(APP, '--no-check', '--collector', 'https://t.example.com', '--json'));
    const manifest = await ensureBeacon();
    expect(out).toMatchObject({
      app_id: APP,
      script_src: `https://t.example.com/${manifest.file}`,
      integrity: manifest.integrity,
      csp_script_src: ['https://t.example.com', QUEUE_STUB_CSP_SOURCE],
    });
    expect(out.html).toContain('<noscript>');
  });

  it('adds the SRI-pinned Web Vitals add-on with --vitals, under the same CSP sources', async () => {
    const manifest = await ensureBeacon();
    const text = await run(APP, '--no-check', '--collector', 'https://t.example.com', '--vitals');
    expect(text).toContain(
      `<script async src="https://t.example.com/${manifest.vitals.file}" integrity="${manifest.vitals.integrity}" crossorigin="anonymous"></script>`,
    );
    expect(text).toContain(`script-src https://t.example.com ${QUEUE_STUB_CSP_SOURCE}; connect-src`);
    const out = JSON.parse(
      await run(APP, '--no-check', '--collector', 'https://t.example.com', '--vitals', '--json'),
    );
    expect(out).toMatchObject({
      vitals_src: `https://t.example.com/${manifest.vitals.file}`,
      vitals_integrity: manifest.vitals.integrity,
      csp_script_src: ['https://t.example.com', QUEUE_STUB_CSP_SOURCE],
    });
    // Without the flag, no add-on.
    const plain = JSON.parse(await run(APP, '--no-check', '--collector', 'https://t.example.com', '--json'));
    expect(plain.vitals_src).toBeUndefined();
    expect(plain.html).not.toContain('vitals');
  });

  it('with --inline prints the built beacon inside the snippet and the one CSP hash that allows it', async () => {
    const manifest = await ensureBeacon();
    const code = await readFile(join(BEACON_DIST, manifest.file), 'utf8');
    const hash = `'sha256-${createHash('sha256').update(code).digest('base64')}'`;
    const text = await run(
      APP,
      '--no-check',
      '--collector',
      'https://t.example.com/',
      '--sub',
      'acme',
      '--inline',
    );
    expect(text.split('\n')).toEqual([
      `<!-- ALT analytics for ${APP}, beacon ${manifest.file} inlined: paste into <head>. Under a strict CSP allow`,
      `     script-src ${hash}; connect-src https://t.example.com`,
      '     (the same hash for every app; a new beacon build has a new one: update the CSP with the snippet) -->',
      `<script data-app="${APP}" data-api="https://t.example.com" data-sub="acme">${code}</script>`,
      expect.stringMatching(/^<noscript><img src="https:\/\/t\.example\.com\/v1\/p\.gif\?app_id=/),
      '',
    ]);
    // The core within its budget (beacon/build.test.ts), so the page carries ~1.7 KB more HTML.
    expect(manifest.bytes.gzip).toBeLessThanOrEqual(1024);
    expect(manifest.bytes.raw).toBeLessThan(2048);

    const out = JSON.parse(
      await run(APP, '--no-check', '--collector', 'https://t.example.com', '--inline', '--vitals', '--json'),
    );
    const vitalsCode = await readFile(join(BEACON_DIST, manifest.vitals.file), 'utf8');
    expect(out).toEqual({
      app_id: APP,
      html: expect.stringContaining(`<script>${vitalsCode}</script>`),
      beacon_file: manifest.file,
      vitals_file: manifest.vitals.file,
      csp_script_src: [hash, `'sha256-${createHash('sha256').update(vitalsCode).digest('base64')}'`],
      csp_connect_src: ['https://t.example.com'],
    });
  });

  it('refuses an app id that is not one', async () => {
    await expect(run('42', '--collector', 'https://t.example.com')).rejects.toThrow(/not an app id/);
  });

  it('defaults the collector to ALT_PUBLIC_URL, else a running alt dev, else the configured host and port', () => {
    const running = { pid: 1, collectorUrl: 'http://127.0.0.1:8123', adminPort: 1, token: 't' };
    expect(defaultCollectorUrl({ ALT_PUBLIC_URL: 'https://t.example.com' }, running)).toBe(
      'https://t.example.com',
    );
    expect(defaultCollectorUrl({}, running)).toBe('http://127.0.0.1:8123');
    expect(defaultCollectorUrl({ ALT_HOST: '0.0.0.0', ALT_PORT: '9000' })).toBe('http://127.0.0.1:9000');
  });

  // Three CLI runs and a PGlite created and migrated: over 30 s on a loaded two-core machine.
  it('looks the app up: unknown apps and missing data dirs are refused; a running alt dev gives its URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alt-snippet-'));
    // The data dir's own registry, not the test PostgreSQL the suite exports.
    const databaseUrl = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      await expect(run(APP, '--data-dir', join(dir, 'nope'))).rejects.toThrow(/no ALT data at .*nope/);
      const db = await createPglite(join(dir, 'data', 'pg'));
      await migrate(db);
      const { app } = await createSqlRegistry(db).create({ name: 'shop' });
      await expect(run(APP, '--data-dir', join(dir, 'data'))).rejects.toThrow(`no app ${APP} in`);
      const admin = await startAdminServer('token-0123456789abcdef', {
        appsGet: async (body) => {
          const found = await createSqlRegistry(db).get(String(body.app_id));
          return found && appJson(found);
        },
      });
      try {
        // The lock of a live process (our parent stands in for alt dev) on a port other than 8080.
        await writeFile(
          join(dir, 'data', 'dev.lock'),
          JSON.stringify({
            pid: process.ppid,
            collectorUrl: 'http://127.0.0.1:8123',
            adminPort: admin.port,
            token: 'token-0123456789abcdef',
          }),
        );
        const text = await run(app.appId, '--data-dir', join(dir, 'data'));
        expect(text).toContain('src="http://127.0.0.1:8123/b.');
      } finally {
        await admin.close();
        await db.close();
      }
    } finally {
      if (databaseUrl !== undefined) process.env.DATABASE_URL = databaseUrl;
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
