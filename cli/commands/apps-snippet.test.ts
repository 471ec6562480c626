import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ensureBeacon } from '../../beacon/build.ts';
import { QUEUE_STUB_CSP_SOURCE } from '../../beacon/snippet.ts';
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
    const text = await run(APP, '--collector', 'https://t.example.com/', '--sub', 'acme', '--session');
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
    const out = JSON.parse(await run(APP, '--collector', 'https://t.example.com', '--json'));
    const manifest = await ensureBeacon();
    expect(out).toMatchObject({
      app_id: APP,
      script_src: `https://t.example.com/${manifest.file}`,
      integrity: manifest.integrity,
      csp_script_src: ['https://t.example.com', QUEUE_STUB_CSP_SOURCE],
    });
    expect(out.html).toContain('<noscript>');
  });

  it('refuses an app id that is not one', async () => {
    await expect(run('42', '--collector', 'https://t.example.com')).rejects.toThrow(/not an app id/);
  });

  it('defaults the collector to ALT_PUBLIC_URL, else the configured host and port', () => {
    expect(defaultCollectorUrl({ ALT_PUBLIC_URL: 'https://t.example.com' })).toBe('https://t.example.com');
    expect(defaultCollectorUrl({ ALT_HOST: '0.0.0.0', ALT_PORT: '9000' })).toBe('http://127.0.0.1:9000');
  });
});
