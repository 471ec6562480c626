/**
 * The inline snippet in a real Chromium, as a site owner uses it: what `alt apps snippet --inline`
 * printed, pasted into a page served on loopback under a strict Content-Security-Policy made of
 * exactly the sources it printed (no 'unsafe-inline', no collector origin in script-src). The
 * pageview reaches the real collector and is stored; the page fetches no script; the one printed
 * hash also allows the snippet of another app; and the policy is really enforced (a page whose
 * policy lacks the hash runs nothing). And the connections both snippets open: one, the src
 * snippet's script fetch and the beacon's post sharing it (both without credentials, so the post
 * carries no cookie either).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEACON_DIST, ensureBeacon } from '../../beacon/build.ts';
import { registerSnippet } from '../../cli/commands/apps-snippet.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import { type Harness, startHarness } from './helpers/harness.ts';

let h: Harness;
let OTHER_APP: string;

/** What `alt apps snippet <app> --inline --no-check --collector <collector> …` prints. */
async function printed(appId: string, ...flags: string[]): Promise<string> {
  let text = '';
  const program = new Command('alt').exitOverride();
  registerSnippet(program.command('apps').exitOverride(), (t) => {
    text += t;
  });
  await program.parseAsync(
    ['apps', 'snippet', appId, '--inline', '--no-check', '--collector', h.collector.url, ...flags],
    { from: 'user' },
  );
  return text;
}

/** The printed text split as a site owner reads it: the CSP sources in the comment, then the HTML. */
function parse(text: string): { scriptSrc: string; connectSrc: string; html: string } {
  const m = /^ {5}script-src ([^;]+); connect-src (\S+)$/m.exec(text);
  if (!m) throw new Error(`no CSP sources in:\n${text}`);
  return { scriptSrc: m[1], connectSrc: m[2], html: text.slice(text.indexOf('-->\n') + 4).trimEnd() };
}

const strictCsp = (scriptSrc: string, connectSrc: string) =>
  `default-src 'none'; script-src ${scriptSrc}; connect-src ${connectSrc}`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** The bodies of the page's `<script>` elements, as the HTML parser would take them. */
const scriptBodies = (html: string) =>
  [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);

const under = (hits: LakeRow[], prefix: string) =>
  hits.filter((x) => x.url && new URL(x.url).pathname.startsWith(prefix));

beforeAll(async () => {
  h = await startHarness();
  OTHER_APP = await h.collector.createApp({ origins: [h.site.url] });
});

afterAll(async () => {
  await h?.close();
});

describe('the inline snippet in chromium', () => {
  it('prints one CSP hash that is the sha256 of the inlined code, which is the built beacon byte for byte', async () => {
    const { scriptSrc, connectSrc, html } = parse(await printed(h.site.appId));
    const bodies = scriptBodies(html);
    expect(bodies).toHaveLength(1);
    const manifest = await ensureBeacon(BEACON_DIST);
    expect(bodies[0]).toBe(await readFile(join(BEACON_DIST, manifest.file), 'utf8'));
    expect(scriptSrc).toBe(sha256(bodies[0]));
    expect(connectSrc).toBe(h.collector.url);
    expect(html).toContain(`<script data-app="${h.site.appId}" data-api="${h.collector.url}">`);
  });

  it('sends a pageview the collector accepts, under a CSP of exactly the printed sources, and fetches no script', async () => {
    const { scriptSrc, connectSrc, html } = parse(await printed(h.site.appId, '--sub', 'inline-site'));
    h.site.route('/inline', { fixture: 'basic.html', html, csp: strictCsp(scriptSrc, connectSrc) });
    const { page, errors } = await h.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const from = h.collector.requests().length;
    const response = await page.goto(`${h.site.url}/inline?from=test`);
    expect(response?.headers()['content-security-policy']).toBe(
      `default-src 'none'; script-src ${scriptSrc}; connect-src ${h.collector.url}`,
    );
    const hits = await h.collector.waitFor((all) => under(all, '/inline').length === 1);
    const [view] = under(hits, '/inline');
    expect(view).toMatchObject({
      app_id: h.site.appId,
      event_type: 'pageview',
      source: 'beacon',
      url: `${h.site.url}/inline?from=test`,
      client_sub_id: 'inline-site',
      status_code: 200,
      is_bot: false,
    });
    // Not asserted: response_time_ms. The inline beacon runs as the parser reaches it, before the
    // document's last byte is in (Navigation Timing's responseEnd is still 0), so the first
    // pageview usually has none (docs/beacon.md, "Inline").
    // The request was the beacon's own POST, from the page's origin; the page asked the collector
    // for nothing else (no script, no revalidation).
    const during = h.collector.requests().slice(from);
    expect(during.map((r) => [r.method, r.path, r.status, r.headers.origin])).toEqual([
      ['POST', '/v1/hits', 202, h.site.url],
    ]);
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("allows another app's inline snippet with the same printed hash: one CSP for every app", async () => {
    const first = parse(await printed(h.site.appId));
    const other = parse(await printed(OTHER_APP, '--session'));
    expect(other.scriptSrc).toBe(first.scriptSrc);
    expect(other.html).not.toBe(first.html);
    // The other app's snippet under the first app's policy.
    h.site.route('/other-app', {
      fixture: 'basic.html',
      html: other.html,
      csp: strictCsp(first.scriptSrc, first.connectSrc),
    });
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/other-app`);
    const hits = await h.collector.waitFor((all) => under(all, '/other-app').length === 1);
    expect(under(hits, '/other-app')[0]).toMatchObject({
      app_id: OTHER_APP,
      event_type: 'pageview',
      session_id: expect.stringMatching(/^\d+$/),
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs nothing under a policy without the hash (the policy is enforced, the page is unharmed)', async () => {
    const { connectSrc, html } = parse(await printed(h.site.appId));
    // The src snippet's sources: the collector's origin and the stub's hash, but not this code's.
    h.site.route('/no-hash', {
      fixture: 'basic.html',
      html,
      csp: strictCsp(`${h.collector.url} 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='`, connectSrc),
    });
    const { page } = await h.newPage();
    const violation = page.waitForEvent('console', (m) => /Content Security Policy/i.test(m.text()));
    await page.goto(`${h.site.url}/no-hash`);
    expect((await violation).text()).toMatch(/script-src/);
    expect(await page.evaluate(() => typeof (window as unknown as { alt?: unknown }).alt)).toBe('undefined');
    expect(await page.textContent('h1')).toBe('A page with the ALT snippet');
    await page.close();
  });

  it('opens one connection to the collector, with the src snippet as inline: the script and the post are both fetched without credentials', async () => {
    // What `scriptOwnConnectionShare` in lib/cost/assumptions.ts rests on. Each page in a new
    // browser context: a cold cache and no open connection.
    const connectionsOf = async (path: string) => {
      const { page, errors } = await h.newPage();
      const from = h.collector.requests().length;
      await page.goto(`${h.site.url}${path}`);
      await h.collector.waitFor((all) => under(all, path).length === 1);
      await page.close();
      expect(errors).toEqual([]);
      return h.collector
        .requests()
        .slice(from)
        .map((r) => [r.method, r.path, r.connection] as const);
    };
    const { html } = parse(await printed(h.site.appId));
    h.site.route('/conn-inline', { fixture: 'basic.html', html });
    h.site.route('/conn-src', { fixture: 'basic.html' }); // the src snippet: crossorigin="anonymous", SRI
    // The same tag without crossorigin (so without SRI, which needs CORS): fetched with credentials.
    h.site.route('/conn-credentialed', {
      fixture: 'basic.html',
      html: `<script async src="${h.collector.url}/${h.manifest.file}" data-app="${h.site.appId}"></script>`,
    });

    const inline = await connectionsOf('/conn-inline');
    expect(inline.map(([m, p]) => [m, p])).toEqual([['POST', '/v1/hits']]);

    // The script GET (crossorigin="anonymous": no credentials, as SRI needs) and the beacon's post
    // (credentials: 'omit') go on the same connection: the browser keys its connection pool on
    // whether credentials are sent, and neither is.
    const [script, post, ...rest] = await connectionsOf('/conn-src');
    expect(rest).toEqual([]);
    expect([script[0], script[1], post[0], post[1]]).toEqual([
      'GET',
      `/${h.manifest.file}`,
      'POST',
      '/v1/hits',
    ]);
    expect(post[2]).toBe(script[2]);

    // What keys the pool is credentials: a script fetched with them, and the post goes on another.
    const [credScript, credPost, ...credRest] = await connectionsOf('/conn-credentialed');
    expect(credRest).toEqual([]);
    expect([credScript[0], credScript[1], credPost[0], credPost[1]]).toEqual([
      'GET',
      `/${h.manifest.file}`,
      'POST',
      '/v1/hits',
    ]);
    expect(credPost[2]).not.toBe(credScript[2]);
  });

  it("posts no Cookie header, even when the browser holds a cookie for the collector's host", async () => {
    // A cookie for 127.0.0.1 (cookies ignore ports): the collector's host, and a same-site one
    // for the page, so the browser would send it on any credentialed request to the collector.
    h.site.route('/cookie-jar', { fixture: 'basic.html' });
    const { page, context, errors } = await h.newPage();
    await context.addCookies([{ name: 'jar', value: 'full', url: h.collector.url }]);
    const from = h.collector.requests().length;
    await page.goto(`${h.site.url}/cookie-jar`);
    await page.evaluate(() => (window as unknown as { alt: (...a: unknown[]) => void }).alt('event', 'jar'));
    await h.collector.waitFor((all) => under(all, '/cookie-jar').length === 2);
    const posts = h.collector
      .requests()
      .slice(from)
      .filter((r) => r.method === 'POST' && r.path === '/v1/hits');
    expect(posts.map((r) => r.hits.map((x) => x.event_type))).toEqual([['pageview'], ['event']]);
    for (const r of posts) expect(r.headers.cookie).toBeUndefined();
    // The cookie is there: the browser sends it on a credentialed request to the collector.
    await page.evaluate(
      (url) => fetch(`${url}/healthz`, { credentials: 'include', mode: 'no-cors' }),
      h.collector.url,
    );
    await expect
      .poll(() => h.collector.requests().find((r) => r.path === '/healthz')?.headers.cookie)
      .toBe('jar=full');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('with --vitals inlines the add-on too, allowed by its own printed hash, and sends web_vitals on leaving', async () => {
    const { scriptSrc, connectSrc, html } = parse(await printed(h.site.appId, '--vitals'));
    const bodies = scriptBodies(html);
    expect(bodies).toHaveLength(2);
    expect(scriptSrc).toBe(bodies.map(sha256).join(' '));
    h.site.route('/inline-vitals', { fixture: 'basic.html', html, csp: strictCsp(scriptSrc, connectSrc) });
    h.site.route('/away', { fixture: 'blank.html' });
    const { page, errors } = await h.newPage();
    await page.goto(`${h.site.url}/inline-vitals`);
    await h.collector.waitFor((all) => under(all, '/inline-vitals').length === 1);
    await page.goto(`${h.site.url}/away`); // pagehide: the add-on sends the view's metrics
    const hits = await h.collector.waitFor((all) =>
      under(all, '/inline-vitals').some((x) => x.event_name === 'web_vitals'),
    );
    const vitals = under(hits, '/inline-vitals').find((x) => x.event_name === 'web_vitals')!;
    expect(vitals).toMatchObject({ app_id: h.site.appId, event_type: 'event' });
    expect(Number.isInteger(vitals.ttfb_ms)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
