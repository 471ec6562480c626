/**
 * `buildServer(deps)`: the collector as a Fastify instance (not listening), with every route of
 * DESIGN §4. Adapters come in through `deps`, so tests use an in-memory sink and PGlite while
 * `main.ts` wires Kinesis/segment log and Aurora.
 *
 * Robustness rules applied here: one JSON parser for `application/json` and `text/plain` that
 * refuses bad UTF-8 and non-UTF-8 charsets, any `Content-Encoding` other than identity refused
 * with 415 before the body is read, body limits per route enforced from `Content-Length` before
 * reading, and an error handler that maps every failure to the documented JSON shape — nothing a
 * client sends produces a 500.
 */
import type { Duplex } from 'node:stream';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../lib/config.ts';
import { LIMITS } from '../schemas/wire.ts';
import type { BeaconAssets } from './beacon-assets.ts';
import type { CountryLookup } from './enrich/country-lookup.ts';
import {
  type CollectorError,
  type ErrorDetail,
  Errors,
  errorBody,
  wireCode,
  withRetryAfter,
} from './errors.ts';
import { KEEP_ALIVE_TIMEOUT_MS } from './keep-alive.ts';
import { lingerOnClose } from './linger.ts';
import { appIdOf, firstHitOf, type LiveTap } from './live.ts';
import { createCollectorLogger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createWindowLimiter } from './rate-limit.ts';
import type { AppRegistry } from './registry/registry.ts';
import { registerAssetRoutes } from './routes/assets.ts';
import { registerBatchRoute } from './routes/batch.ts';
import type { RouteContext } from './routes/context.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { ANY_ORIGIN, registerHitsRoutes } from './routes/hits.ts';
import { registerPixelRoute } from './routes/pixel.ts';
import type { SaltStore } from './salts.ts';
import { createIngestService } from './service.ts';
import type { HitSink } from './sink.ts';
import { createValidator } from './validate.ts';

export type CollectorConfig = Pick<
  Config,
  'trustProxyHops' | 'rateLimitPerIp' | 'rateLimitPerApp' | 'honorDnt' | 'logLevel'
>;

export interface ServerDeps {
  sink: HitSink;
  registry: AppRegistry;
  salts: SaltStore;
  config: CollectorConfig;
  /** A pino logger; default: pino at `config.logLevel` with IPs masked and secrets redacted. */
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
  beacon?: BeaconAssets;
  /** Country of a hit's full address, looked up before masking; default: none (`country` NULL). */
  countries?: CountryLookup;
  /** The console's live view (`alt dev`): each decision, only while someone is subscribed. */
  live?: LiveTap;
  /**
   * Serve `/healthz`, `/readyz` and `/metrics` here (default). False when they have their own
   * listener (`buildPrivateServer`, `--private-port`): they then answer 404 like any unknown path.
   */
  operationalRoutes?: boolean;
}

const INGEST_ROUTES: Record<string, string> = {
  '/v1/hits': 'hits',
  '/v1/batch': 'batch',
  '/v1/p.gif': 'pixel',
};

export { KEEP_ALIVE_TIMEOUT_MS };
export const REQUEST_TIMEOUT_MS = KEEP_ALIVE_TIMEOUT_MS + 5_000;

/** Fastify's own 4xx errors → the collector's codes. */
const UNSUPPORTED_TYPE = 'send the body as application/json or text/plain (UTF-8 JSON)';

function fastifyErrorCode(err: FastifyError): { status: number; code: string; message?: string } | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'too_large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: UNSUPPORTED_TYPE };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'invalid_json' };
  }
  const s = err.statusCode ?? 0;
  if (s === 413) return { status: 413, code: 'too_large' };
  if (s === 415) return { status: 415, code: 'unsupported_media_type', message: UNSUPPORTED_TYPE };
  if (s === 404) return { status: 404, code: 'not_found' };
  if (s >= 400 && s < 500) return { status: 400, code: 'invalid_json' };
  return undefined;
}

// fatal: malformed UTF-8 is refused rather than silently turned into U+FFFD. Stateless for
// one-shot decode() calls, so one instance serves every request.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseJsonBody(req: FastifyRequest, body: Buffer): unknown {
  const type = String(req.headers['content-type'] ?? '');
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new Errors.UnsupportedMediaType(`charset ${charset} is not supported; send UTF-8`);
  }
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new Errors.InvalidJson('the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Errors.InvalidJson((err as Error).message.slice(0, 200));
  }
}

/**
 * Requests Node's HTTP parser refuses never reach Fastify's error handler: answer them here in
 * the same JSON shape (431 for oversized headers, 400 otherwise), then close the socket.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge
      ? errorBody('too_large', 'the request headers are too large')
      : errorBody('bad_request', new Errors.BadRequest().message),
  );
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The collector's Fastify instance before its hooks and routes: server options and the one JSON
 * body parser. Apart from `buildServer` so that the benchmarks can measure this framework
 * configuration alone (bench/servers/fastify-skeleton.ts).
 */
export function createCollectorFastify(
  config: Pick<CollectorConfig, 'trustProxyHops'>,
  logger: Logger,
): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    // Trust exactly N hops (what proxy-addr does for a number; Fastify's types only take a function):
    // with N = 1 behind the ALB, the client is the address the ALB appended, whatever else is forged.
    trustProxy:
      config.trustProxyHops > 0 ? (_addr: string, hop: number) => hop < config.trustProxyHops : false,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A client that sends headers and then trickles its body is cut off (408) instead of holding a
    // socket forever (Fastify's default is no limit). Above headersTimeout, as Node requires.
    requestTimeout: REQUEST_TIMEOUT_MS,
    bodyLimit: LIMITS.hitsBodyBytes,
    return503OnClosing: true,
    clientErrorHandler,
    requestIdHeader: false,
    // No child logger per request (Fastify's default builds one for every request to bind its id;
    // we log no request ids and only errors): a measurable share of a 202's CPU at thousands/s.
    childLoggerFactory: (l) => l,
    // Per-request info logs would dominate CPU at thousands of hits/s; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  // Node's headersTimeout must exceed keepAliveTimeout or idle keep-alive sockets race it.
  app.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseJsonBody(req, body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  return app;
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const { config } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const now = deps.now ?? (() => new Date());
  // The limiters ask for the time on every request: no Date object for that unless a test clock is set.
  const nowMs = deps.now ? () => now().getTime() : Date.now;
  const app = createCollectorFastify(config, deps.logger ?? createCollectorLogger(config.logLevel));

  const ctx: RouteContext = {
    service: createIngestService({
      sink: deps.sink,
      registry: deps.registry,
      salts: deps.salts,
      metrics,
      appLimiter: createWindowLimiter(config.rateLimitPerApp, nowMs),
      honorDnt: config.honorDnt,
      now,
      countries: deps.countries,
      live: deps.live,
    }),
    validator: createValidator(),
    registry: deps.registry,
    sink: deps.sink,
    metrics,
    beacon: deps.beacon ?? { files: new Map() },
  };
  const ipLimiter = createWindowLimiter(config.rateLimitPerIp, nowMs);

  // One callback hook (no promise) for every request, before the body is read: each hook Fastify
  // runs costs CPU at thousands of hits/s, so the encoding check, the per-address limit of the
  // ingest routes and the beacon route's memory check share it.
  app.addHook('onRequest', (req, _reply, done) => {
    // We do not inflate client bodies (no gzip bombs), and say so.
    const enc = req.headers['content-encoding'];
    if (enc !== undefined && String(enc).trim().toLowerCase() !== 'identity') {
      done(new Errors.UnsupportedMediaType(`Content-Encoding ${String(enc).slice(0, 40)} is not supported`));
      return;
    }
    const route = req.routeOptions.url;
    if (route === '/v1/hits' || route === '/v1/batch' || route === '/v1/p.gif') {
      const wait = ipLimiter.take(req.ip, 1);
      if (wait > 0) {
        done(
          withRetryAfter(
            new Errors.RateLimited(`at most ${config.rateLimitPerIp} requests per minute per address`),
            wait,
          ),
        );
        return;
      }
      // Memory full: refuse before the body is read, parsed and enriched (it would be refused
      // after). /v1/batch checks its write key first (its own hook).
      if (route === '/v1/hits' && ctx.sink.hasRoom && !ctx.sink.hasRoom()) {
        done(withRetryAfter(new Errors.Overloaded(), 1));
        return;
      }
    }
    done();
  });

  app.addHook('onResponse', (req, reply, done) => {
    metrics.countRequest(req.routeOptions.url ?? 'unmatched', reply.statusCode);
    metrics.observeLatency(reply.elapsedTime);
    done();
  });

  app.setErrorHandler((err: FastifyError & Partial<CollectorError>, req, reply) => {
    let status: number;
    let code: string;
    let message = err.message;
    const own = wireCode(err);
    if (own) {
      status = err.statusCode ?? 400;
      code = own;
    } else {
      const mapped = fastifyErrorCode(err);
      if (mapped) {
        ({ status, code } = mapped);
        message = mapped.message ?? message;
        if (code === 'too_large') message = `the body is larger than ${req.routeOptions.bodyLimit} bytes`;
      } else {
        // A bug, not the client's fault: logged, answered 503 so the client retries, never a 500.
        req.log.error({ err }, 'unexpected error');
        const e = withRetryAfter(new Errors.Overloaded(), 1);
        status = 503;
        code = 'overloaded';
        message = e.message;
        err.retryAfterSec = e.retryAfterSec;
      }
    }
    // Failures on our side are worth a line; client mistakes are counted in metrics, not logged.
    if (status >= 500) {
      const cause = err.cause instanceof Error ? err.cause.message : undefined;
      req.log.warn({ req, code, cause }, 'request refused');
    }
    if (err.retryAfterSec) reply.header('retry-after', String(err.retryAfterSec));
    // Overloaded: end the connection after the refusal (Envoy's disable-keepalive overload action).
    // Node ≥ 20's libuv accepts one connection per event-loop turn, so a saturated process lets
    // new connections wait in the accept queue for seconds while its open ones keep it busy;
    // shedding connections keeps that queue moving and lets a load balancer reconnect elsewhere.
    if (code === 'overloaded') reply.header('connection', 'close');
    // Refused from Content-Length with the body still arriving (Fastify closes the connection):
    // keep reading it for a while so the client receives the 413 instead of a reset.
    if (code === 'too_large' && !req.raw.complete) lingerOnClose(req.raw.socket);
    // The page may read why its post was refused; an origin the app refuses gets no CORS header.
    if (req.routeOptions.url === '/v1/hits' && code !== 'origin_not_allowed' && req.headers.origin) {
      reply.header('access-control-allow-origin', ANY_ORIGIN);
    }
    metrics.hitsRejected.inc({ reason: code });
    const details: ErrorDetail[] = Array.isArray(err.details) ? err.details : [];
    const live = deps.live;
    if (live?.active) {
      const route = INGEST_ROUTES[req.routeOptions.url ?? ''];
      if (route) {
        live.emit({
          at: new Date().toISOString(),
          app_id: err.appId ?? appIdOf(req.body, req.query),
          outcome: 'refused',
          code,
          details: details.map((d) => ({ index: d.index, pointer: d.path, message: d.message })),
          route,
          ...firstHitOf(req.body, req.query),
          http_status: status,
        });
      }
    }
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send(errorBody(code, message, details));
  });

  app.setNotFoundHandler((req, reply) => {
    const e = new Errors.NotFound(req.method, req.url.split('?')[0].slice(0, 200));
    return reply.code(404).send(errorBody('not_found', e.message));
  });

  app.register(async (scope) => {
    registerHitsRoutes(scope, ctx);
    registerPixelRoute(scope, ctx);
    registerBatchRoute(scope, ctx);
    registerAssetRoutes(scope, ctx);
    if (deps.operationalRoutes !== false) registerHealthRoutes(scope, ctx);
  });
  return app;
}
