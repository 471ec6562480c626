/** What every route module gets from `buildServer`. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BeaconAssets } from '../beacon-assets.ts';
import type { Metrics } from '../metrics.ts';
import type { AppRegistry } from '../registry/registry.ts';
import type { IngestService } from '../service.ts';
import type { HitSink } from '../sink.ts';
import type { Validator } from '../validate.ts';

export interface RouteContext {
  service: IngestService;
  validator: Validator;
  registry: AppRegistry;
  sink: HitSink;
  metrics: Metrics;
  beacon: BeaconAssets;
}

/** The `Origin` header normalised as the registry stores origins; undefined when absent or opaque. */
export function requestOrigin(
  req: FastifyRequest,
  header: 'origin' | 'referer' = 'origin',
): string | undefined {
  const raw = req.headers[header];
  if (typeof raw !== 'string' || raw === '' || raw === 'null') return undefined;
  // A site's hits repeat a handful of origins: parse each once (bounded, cleared when full).
  // Referers carry whole URLs and vary per page, so only `Origin` is memoised.
  if (header === 'origin') {
    const known = ORIGINS.get(raw);
    if (known !== undefined) return known ?? undefined;
  }
  let origin: string | undefined;
  try {
    origin = new URL(raw).origin;
  } catch {
    origin = undefined;
  }
  if (header === 'origin') {
    if (ORIGINS.size >= ORIGINS_MAX) ORIGINS.clear();
    ORIGINS.set(raw, origin ?? null);
  }
  return origin;
}

const ORIGINS_MAX = 1000;
const ORIGINS = new Map<string, string | null>();

export const userAgentOf = (req: FastifyRequest): string => {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 1024) : '';
};

/** `Sec-GPC: 1` or `DNT: 1`. */
export const optedOut = (req: FastifyRequest): boolean =>
  req.headers['sec-gpc'] === '1' || req.headers.dnt === '1';

/**
 * Leaves `Connection: keep-alive` and `Keep-Alive: timeout=65` out of an answer to a browser (48 B
 * of every beacon post's 202 and of the script). HTTP/1.1 connections persist unless one side says
 * `close` (RFC 9112 §9.3), so the first says nothing to an HTTP/1.1 client; the second is only a
 * hint, which browsers either ignore (Chromium) or use to close idle connections sooner than
 * their own limit — and a browser that reuses a connection the server has just closed sends the
 * request again on a new one (an idle connection that sees the close is not reused). Node sends
 * both itself; after `removeHeader('connection')` it sends neither and keeps an HTTP/1.1 connection
 * open (Node's own test-http-remove-connection-header-persists-connection.js holds it).
 * Only for HTTP/1.1 requests the server means to keep alive: an HTTP/1.0 client needs the header
 * to keep its connection, and a closing answer keeps Node's `Connection: close`. `/v1/batch` keeps
 * both: server-side HTTP clients (undici) use the timeout to retire a socket before the server does.
 */
export function omitKeepAliveHeaders(reply: FastifyReply): void {
  const res = reply.raw;
  if (res.req.httpVersionMinor === 1 && res.req.httpVersionMajor === 1 && res.shouldKeepAlive) {
    res.removeHeader('connection');
  }
}
