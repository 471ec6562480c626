/**
 * The console's HTTP side as a Fastify plugin over a `ConsoleSource`: pages under `/_alt/`, a JSON
 * API under `/_alt/api/`, the live view as server-sent events, static assets under `/_alt/ui/`.
 * It must only be served on a loopback listener (`alt dev`: its admin API's; `alt console`: its
 * own), never on the collector's public one.
 *
 * Auth: the URL printed by `alt dev` carries the token from `dev.lock`; `GET /_alt/?token=…`
 * exchanges it for an HttpOnly, SameSite=Strict cookie and redirects to drop it from the address
 * bar and history. Every other request needs the cookie (compared in constant time). Cookies
 * ignore ports and every loopback port is the same site, so a page served by any other local
 * server could send requests with it: state-changing requests also need an `Origin` equal to the
 * console's own (or, from non-browser clients that send none, an `X-Alt-Console` header, which a
 * cross-origin page cannot add without a preflight nobody answers). The Host must be a loopback
 * name, so a DNS-rebound name reaches nothing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppJson } from '../cli/local/apps-admin.ts';
import { APP_ID_PATTERN } from '../schemas/wire.ts';
import { type AppPageData, appPage, appsPage, errorPage, layout, overviewPage } from './html.ts';
import type { AppChanges, ConsoleSource, LiveHit } from './source.ts';

export const CONSOLE_PREFIX = '/_alt';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface ConsoleOptions {
  /** The secret of the printed URL (`dev.lock`'s token). */
  token: string;
  /** Seconds between SSE heartbeat comments (default 15). */
  heartbeatSec?: number;
}

/** The URL to print: opening it signs the browser in. */
export function consoleUrl(port: number, token: string): string {
  return `http://127.0.0.1:${port}${CONSOLE_PREFIX}/?token=${encodeURIComponent(token)}`;
}

const UI = new URL('./ui/', import.meta.url);
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  'console.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('console.css', UI)) },
  'console.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(new URL('console.js', UI)) },
};

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;
const APP_ID = new RegExp(APP_ID_PATTERN);
const sha256 = (s: string) => createHash('sha256').update(s).digest();

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
const bad = (message: string) => new HttpError(400, 'invalid_request', message);

function cookies(req: FastifyRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

type Body = Record<string, unknown>;

function str(b: Body, k: string, max = 200): string | undefined {
  const v = b[k];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw bad(`${k} must be a string`);
  if (v.length > max) throw bad(`${k} must be at most ${max} characters`);
  return v;
}

/** Origins from a JSON array or a textarea (one per line). */
function origins(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? v.split(/[\s,]+/) : v;
  if (!Array.isArray(list) || !list.every((o) => typeof o === 'string')) {
    throw bad(`${field} must be an array of origins (https://example.com)`);
  }
  const out = list.map((o) => o.trim()).filter(Boolean);
  if (out.length > 100) throw bad(`${field}: at most 100 origins`);
  for (const o of out) {
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw bad(`${field}: "${o.slice(0, 100)}" is not an origin (https://example.com)`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== '')) {
      throw bad(`${field}: "${o.slice(0, 100)}" is not an http(s) origin without a path`);
    }
  }
  return out;
}

function botPolicy(v: unknown): 'drop' | 'keep' | undefined {
  if (v === undefined || v === '') return undefined;
  if (v !== 'drop' && v !== 'keep') throw bad('bot_policy must be drop or keep');
  return v;
}

function appIdParam(id: string): string {
  if (!APP_ID.test(id)) throw new HttpError(404, 'not_found', `"${id.slice(0, 60)}" is not an app id`);
  return id;
}

function snippetOptions(q: Record<string, string | undefined>) {
  const sub = q.sub || undefined;
  const module = q.module || undefined;
  for (const [k, v] of [
    ['sub', sub],
    ['module', module],
  ] as const) {
    if (v !== undefined && (v.length > 128 || /[\u0000-\u001f\u007f]/.test(v))) {
      throw bad(`${k} must be 1–128 characters without control characters`);
    }
  }
  const on = (v: string | undefined) => v === '1' || v === 'true' || v === 'on';
  return { sub, module, vitals: on(q.vitals), inline: on(q.inline) };
}

function hoursParam(v: string | undefined): number {
  if (v === undefined || v === '') return 24;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 744) throw bad('hours must be an integer from 1 to 744');
  return n;
}

function pageQuery(q: Record<string, string | undefined>) {
  const offset = q.offset === undefined || q.offset === '' ? 0 : Number(q.offset);
  const limit = q.limit === undefined || q.limit === '' ? 50 : Number(q.limit);
  if (!Number.isInteger(offset) || offset < 0) throw bad('offset must be a non-negative integer');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    throw bad('limit must be an integer from 1 to 100');
  const search = (q.q ?? q.search ?? '').trim();
  if (search.length > 200) throw bad('search must be at most 200 characters');
  return { search, offset, limit };
}

function newApp(b: Body) {
  const name = str(b, 'name');
  if (!name?.trim()) throw bad('name is required');
  return {
    name: name.trim(),
    origins: origins(b.allowed_origins ?? b.origins, 'allowed_origins') ?? [],
    bot_policy: botPolicy(b.bot_policy) ?? 'drop',
  };
}

function changes(b: Body): AppChanges {
  const c: AppChanges = {};
  const o = origins(b.allowed_origins ?? b.origins, 'allowed_origins');
  if (o !== undefined) c.allowed_origins = o;
  const p = botPolicy(b.bot_policy);
  if (p !== undefined) c.bot_policy = p;
  if (c.allowed_origins === undefined && c.bot_policy === undefined) {
    throw bad('nothing to change: send allowed_origins and/or bot_policy');
  }
  return c;
}

/** Errors the source throws for what the user sent (a registry refusing an origin…) are 400s. */
async function asked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw bad((err as Error).message);
  }
}

/**
 * Registers the console under `/_alt` on `app` (an encapsulated plugin: its hooks and its form
 * parser touch nothing else of `app`). Serve it on a loopback listener only.
 */
export function registerConsole(app: FastifyInstance, source: ConsoleSource, opts: ConsoleOptions): void {
  const expected = sha256(opts.token);
  // Per token, so two consoles on two ports of one host do not overwrite each other's cookie.
  const cookieName = `alt_console_${expected.toString('hex').slice(0, 8)}`;
  const heartbeatMs = (opts.heartbeatSec ?? 15) * 1000;
  const valid = (token: string | undefined) =>
    token !== undefined && timingSafeEqual(sha256(token), expected);
  const streams = new Set<() => void>();

  app.register(
    async (scope) => {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 64 * 1024 },
        (_req, body, done) => {
          const out: Body = {};
          for (const [k, v] of new URLSearchParams(body as string)) out[k] = v;
          done(null, out);
        },
      );

      scope.addHook('preClose', (done) => {
        for (const end of streams) end();
        done();
      });

      scope.addHook('onSend', (_req, reply, payload, done) => {
        reply.header('content-security-policy', CONSOLE_CSP);
        reply.header('x-content-type-options', 'nosniff');
        // Not no-referrer: with it, Chromium sends `Origin: null` on the console's own form posts.
        reply.header('referrer-policy', 'same-origin');
        reply.header('x-frame-options', 'DENY');
        reply.header('cross-origin-opener-policy', 'same-origin');
        reply.header('cross-origin-resource-policy', 'same-origin');
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        done(null, payload);
      });

      const isApi = (req: FastifyRequest) => req.url.startsWith(`${CONSOLE_PREFIX}/api/`);
      const base = CONSOLE_PREFIX;
      const shell = { label: source.label, base };

      function fail(req: FastifyRequest, reply: FastifyReply, e: HttpError) {
        if (isApi(req) || req.headers.accept?.includes('application/json')) {
          return reply
            .code(e.status)
            .type('application/json; charset=utf-8')
            .send({ error: e.code, message: e.message });
        }
        return reply
          .code(e.status)
          .type('text/html; charset=utf-8')
          .send(errorPage({ ...shell, title: `Error ${e.status}` }, e.status, e.message));
      }

      scope.setErrorHandler((err, req, reply) => {
        if (err instanceof HttpError) return fail(req, reply, err);
        const status = (err as { statusCode?: number }).statusCode;
        if (status && status >= 400 && status < 500) {
          return fail(req, reply, new HttpError(status, 'invalid_request', (err as Error).message));
        }
        req.log.error({ err }, 'console request failed');
        return fail(req, reply, new HttpError(503, 'unavailable', (err as Error).message));
      });
      scope.setNotFoundHandler((req, reply) =>
        fail(
          req,
          reply,
          new HttpError(404, 'not_found', `no console page ${req.url.split('?')[0].slice(0, 200)}`),
        ),
      );

      scope.addHook('onRequest', async (req, reply) => {
        if (!LOOPBACK_HOST.test(String(req.headers.host ?? ''))) {
          throw new HttpError(
            403,
            'not_loopback',
            'the console answers on 127.0.0.1, localhost or [::1] only',
          );
        }
        const path = req.url.split('?')[0];
        if (path.startsWith(`${CONSOLE_PREFIX}/ui/`)) return;
        const query = req.query as Record<string, string | undefined>;
        if (
          req.method === 'GET' &&
          (path === `${CONSOLE_PREFIX}/` || path === CONSOLE_PREFIX) &&
          query.token !== undefined
        ) {
          if (!valid(query.token)) {
            throw new HttpError(
              401,
              'invalid_token',
              'this console link is not valid (alt dev and alt console print a new one each time they start)',
            );
          }
          reply
            .header(
              'set-cookie',
              `${cookieName}=${opts.token}; Path=${CONSOLE_PREFIX}; HttpOnly; SameSite=Strict`,
            )
            .redirect(`${CONSOLE_PREFIX}/`, 303);
          return reply;
        }
        if (!valid(cookies(req).get(cookieName))) {
          throw new HttpError(
            401,
            'unauthorized',
            'open the console with the link alt dev printed (it carries the token)',
          );
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          const origin = req.headers.origin;
          const own = `http://${req.headers.host}`;
          const sameOrigin =
            origin === undefined ? req.headers['x-alt-console'] !== undefined : origin === own;
          if (!sameOrigin) {
            throw new HttpError(
              403,
              'cross_origin',
              "changes are taken from the console's own pages only (Origin or X-Alt-Console)",
            );
          }
        }
      });

      scope.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) => {
        const asset = Object.hasOwn(ASSETS, req.params.file) ? ASSETS[req.params.file] : undefined;
        if (!asset) throw new HttpError(404, 'not_found', 'no such asset');
        return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
      });

      // ---- JSON API ----
      scope.get('/api/apps', async (req) => {
        const q = pageQuery(req.query as Record<string, string>);
        const page = await source.apps.page(q);
        return { ...page, offset: q.offset, limit: q.limit };
      });
      scope.post('/api/apps', async (req, reply) => {
        const created = await asked(() => source.apps.create(newApp((req.body ?? {}) as Body)));
        return reply.code(201).send(created);
      });
      const found = async (id: string): Promise<AppJson> => {
        const a = await source.apps.get(appIdParam(id));
        if (!a) throw new HttpError(404, 'not_found', `no app ${id}`);
        return a;
      };
      scope.get<{ Params: { id: string } }>('/api/apps/:id', async (req) => found(req.params.id));
      scope.patch<{ Params: { id: string } }>('/api/apps/:id', async (req) => {
        const c = changes((req.body ?? {}) as Body);
        const a = await asked(() => source.apps.update(appIdParam(req.params.id), c));
        if (!a) throw new HttpError(404, 'not_found', `no app ${req.params.id}`);
        return a;
      });
      for (const [verb, run] of [
        ['disable', (id: string) => source.apps.disable(id)],
        ['enable', (id: string) => source.apps.enable(id)],
      ] as const) {
        scope.post<{ Params: { id: string } }>(`/api/apps/:id/${verb}`, async (req) => {
          if (!(await run(appIdParam(req.params.id))))
            throw new HttpError(404, 'not_found', `no app ${req.params.id}`);
          return found(req.params.id);
        });
      }
      scope.post<{ Params: { id: string } }>('/api/apps/:id/rotate-key', async (req) => {
        const key = await source.apps.rotateKey(appIdParam(req.params.id));
        if (!key) throw new HttpError(404, 'not_found', `no app ${req.params.id}`);
        return { app_id: req.params.id, write_key: key };
      });
      scope.get<{ Params: { id: string } }>('/api/apps/:id/snippet', async (req) => {
        const a = await found(req.params.id);
        return {
          app_id: a.app_id,
          ...(await asked(() =>
            source.snippet(a.app_id, snippetOptions(req.query as Record<string, string>)),
          )),
        };
      });
      scope.get('/api/overview', async (req) => {
        const q = req.query as Record<string, string | undefined>;
        const appId = q.app_id ? appIdParam(q.app_id) : undefined;
        return source.overview({ appId, hours: hoursParam(q.hours) });
      });
      scope.get('/api/lag', async () => source.lag());
      scope.get('/api/lake', async () => source.lake());
      scope.get('/api/counts', async () => source.counts());

      scope.get('/api/live', (req, reply) => {
        const live = source.live;
        if (!live)
          throw new HttpError(
            404,
            'no_live_view',
            'this console has no live view (it is served by alt dev only)',
          );
        const q = req.query as Record<string, string | undefined>;
        const only = q.app_id ? appIdParam(q.app_id) : undefined;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'content-security-policy': CONSOLE_CSP,
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        // retry: how soon the browser reconnects after alt dev restarts.
        res.write('retry: 2000\n: connected\n\n');
        const send = (hit: LiveHit) => {
          if (only !== undefined && hit.app_id !== only) return;
          res.write(`data: ${JSON.stringify(hit)}\n\n`);
        };
        const off = live.subscribe(send);
        const beat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
        const end = () => {
          clearInterval(beat);
          off();
          streams.delete(end);
          if (!res.writableEnded) res.end();
        };
        streams.add(end);
        req.raw.on('close', end);
        res.on('error', end);
      });

      // ---- Pages ----
      const html = (reply: FastifyReply, body: string, status = 200) =>
        reply.code(status).type('text/html; charset=utf-8').send(body);

      scope.get('/', async (req, reply) => {
        const hours = hoursParam((req.query as Record<string, string>).hours);
        const [overview, lag, lake, counts] = await Promise.all([
          source.overview({ hours }),
          source.lag(),
          source.lake(),
          source.counts(),
        ]);
        return html(
          reply,
          layout(
            { ...shell, title: 'Overview', nav: 'overview' },
            overviewPage(base, { overview, hours, lag, lake, counts, live: source.live !== undefined }),
          ),
        );
      });

      async function listPage(
        reply: FastifyReply,
        q: ReturnType<typeof pageQuery>,
        form?: Parameters<typeof appsPage>[3],
        status = 200,
      ) {
        const page = await source.apps.page(q);
        return html(
          reply,
          layout({ ...shell, title: 'Apps', nav: 'apps' }, appsPage(base, q, page, form)),
          status,
        );
      }
      scope.get('/apps', async (req, reply) =>
        listPage(reply, pageQuery(req.query as Record<string, string>)),
      );
      scope.post('/apps', async (req, reply) => {
        const b = (req.body ?? {}) as Body;
        let created: AppJson & { write_key: string };
        try {
          created = await asked(() => source.apps.create(newApp(b)));
        } catch (err) {
          if (!(err instanceof HttpError) || err.status !== 400) throw err;
          const form = {
            error: err.message,
            name: String(b.name ?? ''),
            origins: String(b.origins ?? ''),
            bot_policy: String(b.bot_policy ?? ''),
          };
          return listPage(reply, { search: '', offset: 0, limit: 50 }, form, 400);
        }
        return detail(
          reply,
          created.app_id,
          {},
          { writeKey: { key: created.write_key, why: 'created' } },
          201,
        );
      });

      async function detail(
        reply: FastifyReply,
        id: string,
        q: Record<string, string | undefined>,
        extra: Partial<AppPageData> = {},
        status = 200,
      ) {
        const a = await found(id);
        const options = snippetOptions(q);
        const [snippet, overview] = await Promise.all([
          source.snippet(a.app_id, options).catch((err: Error) => ({ error: err.message })),
          source.overview({ appId: a.app_id, hours: 24 }),
        ]);
        const data: AppPageData = {
          app: a,
          snippet,
          options,
          overview,
          live: source.live !== undefined,
          ...extra,
        };
        return html(reply, layout({ ...shell, title: a.name, nav: 'apps' }, appPage(base, data)), status);
      }

      scope.get<{ Params: { id: string } }>('/apps/:id', async (req, reply) =>
        detail(reply, req.params.id, req.query as Record<string, string>),
      );
      scope.post<{ Params: { id: string } }>('/apps/:id', async (req, reply) => {
        const id = appIdParam(req.params.id);
        const b = (req.body ?? {}) as Body;
        const back = () => reply.redirect(`${base}/apps/${id}`, 303);
        switch (b.action) {
          case 'save':
            try {
              const c = changes({ origins: b.origins ?? '', bot_policy: b.bot_policy });
              if (!(await asked(() => source.apps.update(id, c))))
                throw new HttpError(404, 'not_found', `no app ${id}`);
            } catch (err) {
              if (err instanceof HttpError && err.status === 400)
                return detail(reply, id, {}, { error: err.message }, 400);
              throw err;
            }
            return back();
          case 'disable':
          case 'enable': {
            const ok = b.action === 'disable' ? await source.apps.disable(id) : await source.apps.enable(id);
            if (!ok) throw new HttpError(404, 'not_found', `no app ${id}`);
            return back();
          }
          case 'rotate': {
            const key = await source.apps.rotateKey(id);
            if (!key) throw new HttpError(404, 'not_found', `no app ${id}`);
            return detail(reply, id, {}, { writeKey: { key, why: 'rotated' } });
          }
          default:
            throw bad('action must be save, disable, enable or rotate');
        }
      });
    },
    { prefix: CONSOLE_PREFIX },
  );
}

/**
 * The console on a listener of its own, on loopback only (`alt console --stack`: an operator's
 * machine, never a stack's public listener). Resolves with the URL to open, which carries `token`.
 */
export async function serveConsole(
  source: ConsoleSource,
  opts: { host: '127.0.0.1'; port: number; token: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  registerConsole(app, source, { token: opts.token });
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return { url: consoleUrl(port, opts.token), close: () => app.close() };
}
