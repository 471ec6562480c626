/**
 * The console's server over a fake `ConsoleSource` (the adapters have tests of their own): the
 * token-for-cookie exchange, the cookie on every request, the same-origin rule for changes, the
 * loopback Host rule, 4xx answers that say what was wrong, and the live view's event stream.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppJson } from '../cli/local/apps-admin.ts';
import { createLiveTap, type LiveHit } from '../collector/live.ts';
import { CONSOLE_CSP, registerConsole } from './server.ts';
import type { ConsoleSource } from './source.ts';

const TOKEN = 'test-token-0123456789abcdef';
const ID = (n: number) => `alt_${String(n).padStart(22, '0')}`;

function fakeSource(): ConsoleSource & { tap: ReturnType<typeof createLiveTap> } {
  const apps = new Map<string, AppJson>();
  let next = 1;
  const tap = createLiveTap();
  const recent: LiveHit[] = [];
  return {
    tap,
    label: 'test',
    apps: {
      async page(q) {
        const all = [...apps.values()].filter((a) => !q.search || a.name.includes(q.search));
        return { apps: all.slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 50)), total: all.length };
      },
      get: async (id) => apps.get(id) ?? null,
      async create(a) {
        if (a.origins?.some((o) => o.includes('forbidden')))
          throw new Error(`origin ${a.origins[0]} is refused`);
        const app: AppJson = {
          app_id: ID(next++),
          name: a.name,
          allowed_origins: a.origins ?? [],
          bot_policy: a.bot_policy === 'keep' ? 'keep' : 'drop',
          created_at: new Date().toISOString(),
          disabled_at: null,
        };
        apps.set(app.app_id, app);
        return { ...app, write_key: `key-${app.app_id}` };
      },
      async update(id, c) {
        const a = apps.get(id);
        if (!a) return null;
        if (c.allowed_origins) a.allowed_origins = c.allowed_origins;
        if (c.bot_policy) a.bot_policy = c.bot_policy;
        return a;
      },
      async disable(id) {
        const a = apps.get(id);
        if (a) a.disabled_at = new Date().toISOString();
        return !!a;
      },
      async enable(id) {
        const a = apps.get(id);
        if (a) a.disabled_at = null;
        return !!a;
      },
      rotateKey: async (id) => (apps.has(id) ? `rotated-${id}` : null),
    },
    snippet: async (id, opts) => ({
      html: `<script data-app="${id}"${opts.inline ? ' data-inline' : ''}></script>`,
      csp: { script_src: ['x'], connect_src: ['x'], img_src: ['x'] },
    }),
    overview: async () => ({ hours: [], top_pages: [] }),
    lag: async () => ({ hits: 0, seconds: 0 }),
    lake: async () => ({ hours: 1, files: 2, rows: 3 }),
    counts: async () => ({ accepted: 1, refused: 2, dropped_bots: 3, window_minutes: 1 }),
    live: {
      subscribe(fn) {
        for (const h of recent) fn(h);
        return tap.subscribe((h) => {
          recent.push(h);
          fn(h);
        });
      },
    },
  };
}

let app: FastifyInstance;
let source: ReturnType<typeof fakeSource>;
let base: string;
let cookie: string;
const HOST = { host: '127.0.0.1:1234' };
const SAME = { ...HOST, origin: 'http://127.0.0.1:1234' };

beforeAll(async () => {
  source = fakeSource();
  app = Fastify();
  registerConsole(app, source, { token: TOKEN, heartbeatSec: 0.05 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const signIn = await app.inject({ url: `/_alt/?token=${TOKEN}`, headers: HOST });
  cookie = String(signIn.headers['set-cookie']).split(';')[0];
});
afterAll(() => app.close());

describe('console auth', () => {
  it('exchanges the printed token for an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
    const res = await app.inject({ url: `/_alt/?token=${TOKEN}`, headers: HOST });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/_alt/');
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/_alt/);
    const page = await app.inject({ url: '/_alt/', headers: { ...HOST, cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.body).toContain('Overview');
  });

  it('refuses a wrong token, a missing or wrong cookie, and a non-loopback Host', async () => {
    const wrong = await app.inject({ url: '/_alt/?token=nope', headers: HOST });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('set-cookie');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const api = await app.inject({ url: '/_alt/api/apps', headers: HOST });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ error: 'unauthorized' });
    const page = await app.inject({ url: '/_alt/apps', headers: { ...HOST, cookie: `${cookie}x` } });
    expect(page.statusCode).toBe(401);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const rebound = await app.inject({
      url: '/_alt/api/apps',
      headers: { host: 'evil.example:1234', cookie },
    });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json()).toMatchObject({ error: 'not_loopback' });
  });

  it('takes changes only from the console origin (or with X-Alt-Console when no Origin is sent)', async () => {
    const body = { name: 'shop' };
    const cross = await app.inject({
      method: 'POST',
      url: '/_alt/api/apps',
      headers: { ...HOST, cookie, origin: 'http://127.0.0.1:8080' },
      payload: body,
    });
    expect(cross.statusCode).toBe(403);
    expect(cross.json()).toMatchObject({ error: 'cross_origin' });
    const bare = await app.inject({
      method: 'POST',
      url: '/_alt/api/apps',
      headers: { ...HOST, cookie },
      payload: body,
    });
    expect(bare.statusCode).toBe(403);
    const form = await app.inject({
      method: 'POST',
      url: '/_alt/apps/',
      headers: { ...HOST, cookie, origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=x',
    });
    expect(form.statusCode).toBe(403);
    const cli = await app.inject({
      method: 'POST',
      url: '/_alt/api/apps',
      headers: { ...HOST, cookie, 'x-alt-console': '1' },
      payload: body,
    });
    expect(cli.statusCode).toBe(201);
    const same = await app.inject({
      method: 'POST',
      url: '/_alt/api/apps',
      headers: { ...SAME, cookie },
      payload: body,
    });
    expect(same.statusCode).toBe(201);
    expect(same.json().write_key).toMatch(/^key-alt_/);
  });
});

describe('console API', () => {
  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    app.inject({ method, url, headers: { ...SAME, cookie }, payload });

  it('answers bad input with 4xx and a reason', async () => {
    expect((await call('POST', '/_alt/api/apps', { name: '' })).json()).toMatchObject({
      error: 'invalid_request',
      message: 'name is required',
    });
    const policy = await call('POST', '/_alt/api/apps', { name: 'a', bot_policy: 'maybe' });
    expect(policy.statusCode).toBe(400);
    expect(policy.json().message).toBe('bot_policy must be drop or keep');
    const origin = await call('POST', '/_alt/api/apps', {
      name: 'a',
      allowed_origins: ['https://x.example/path'],
    });
    expect(origin.statusCode).toBe(400);
    expect(origin.json().message).toMatch(/not an http\(s\) origin without a path/);
    // What the source refuses is the user's input too.
    const refused = await call('POST', '/_alt/api/apps', {
      name: 'a',
      allowed_origins: ['https://forbidden.example'],
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/refused/);
    expect((await call('GET', '/_alt/api/overview?hours=0')).statusCode).toBe(400);
    expect((await call('GET', '/_alt/api/apps?limit=1000')).json().message).toMatch(/limit/);
    expect((await call('GET', `/_alt/api/apps/${ID(999)}`)).statusCode).toBe(404);
    expect((await call('GET', '/_alt/api/apps/not-an-id')).statusCode).toBe(404);
    const nothing = await call('PATCH', `/_alt/api/apps/${ID(1)}`, {});
    expect(nothing.statusCode).toBe(400);
    expect(nothing.json().message).toMatch(/nothing to change/);
  });

  it('creates, changes, disables, enables and rotates through the API', async () => {
    const created = (
      await call('POST', '/_alt/api/apps', { name: 'api-app', allowed_origins: ['https://a.example'] })
    ).json();
    const id = created.app_id as string;
    const patched = await call('PATCH', `/_alt/api/apps/${id}`, { bot_policy: 'keep' });
    expect(patched.json()).toMatchObject({ bot_policy: 'keep', allowed_origins: ['https://a.example'] });
    expect((await call('POST', `/_alt/api/apps/${id}/disable`)).json().disabled_at).not.toBeNull();
    expect((await call('POST', `/_alt/api/apps/${id}/enable`)).json().disabled_at).toBeNull();
    expect((await call('POST', `/_alt/api/apps/${id}/rotate-key`)).json()).toEqual({
      app_id: id,
      write_key: `rotated-${id}`,
    });
    const snippet = (await call('GET', `/_alt/api/apps/${id}/snippet?sub=s1`)).json();
    expect(snippet.html).toContain(id);
    expect(snippet.html).not.toContain('data-inline');
    const inline = (await call('GET', `/_alt/api/apps/${id}/snippet?inline=1`)).json();
    expect(inline.html).toContain('data-inline');
    const list = (await call('GET', '/_alt/api/apps?search=api-app')).json();
    expect(list).toMatchObject({ total: 1, offset: 0, limit: 50 });
    expect((await call('GET', '/_alt/api/lake')).json()).toEqual({ hours: 1, files: 2, rows: 3 });
  });

  it('serves the app page with the snippet, escaped', async () => {
    const created = (await call('POST', '/_alt/api/apps', { name: '<b>bold</b>' })).json();
    const page = await call('GET', `/_alt/apps/${created.app_id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(page.body).not.toContain('<b>bold</b>');
    expect(page.body).toContain(`&lt;script data-app=&quot;${created.app_id}&quot;&gt;`);
    expect(page.body).toContain('<input type="checkbox" name="inline" value="1">');
  });

  it('offers the inline snippet: the box checked, the source asked for it', async () => {
    const created = (await call('POST', '/_alt/api/apps', { name: 'inline-page' })).json();
    const page = await call('GET', `/_alt/apps/${created.app_id}?inline=1`);
    expect(page.body).toContain('<input type="checkbox" name="inline" value="1" checked>');
    expect(page.body).toContain(`&lt;script data-app=&quot;${created.app_id}&quot; data-inline&gt;`);
  });
});

describe('console live view', () => {
  it('streams the recent and then the new hits of one app, with heartbeats, and unsubscribes on close', async () => {
    const hit = (app_id: string, outcome: LiveHit['outcome']): LiveHit => ({
      at: new Date().toISOString(),
      app_id,
      outcome,
      http_status: 202,
    });
    const sub = source.live!.subscribe(() => {});
    source.tap.emit(hit(ID(1), 'accepted'));
    source.tap.emit(hit(ID(2), 'accepted'));
    sub();
    expect(source.tap.active).toBe(false);

    const ac = new AbortController();
    const res = await fetch(`${base}/_alt/api/live?app_id=${ID(1)}`, {
      headers: { cookie },
      signal: ac.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (what: RegExp) => {
      while (!what.test(text)) {
        const { value } = await reader.read();
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/"app_id":"alt_0+1"/);
    source.tap.emit({
      ...hit(ID(1), 'refused'),
      code: 'invalid_hit',
      details: [{ index: 0, pointer: '/url', message: 'bad' }],
    });
    await readUntil(/"pointer":"\/url"/);
    await readUntil(/: heartbeat/);
    expect(text).not.toContain(ID(2));
    ac.abort();
    await reader.cancel().catch(() => {});
    while (source.tap.active) await sleep(10);
    expect(source.tap.active).toBe(false);
  });
});
