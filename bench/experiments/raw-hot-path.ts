/**
 * A design question answered by measurement: how far would the collector's throughput ratio move if
 * `POST /v1/hits` skipped Fastify's request pipeline (routing, hooks, request/reply objects, the
 * content-type parser) and ran on the bare `node:http` request, doing the same work — body decode and
 * parse, validation, per-address limit, apps, enrichment, metrics, the durable sink? Installed in
 * front of the collector's own Fastify listener by `bench/servers/collector.ts --raw-hot-path`; every
 * other request (and any body this sketch does not handle) still goes to Fastify. Not the product:
 * it answers only the happy path and a bare 400/503, with none of the collector's error bodies.
 *
 *   npx tsx bench/collector-ratio.ts --rounds 3 --seconds 8 --also raw-hot-path
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Metrics } from '../../collector/metrics.ts';
import { createWindowLimiter } from '../../collector/rate-limit.ts';
import type { AppRegistry } from '../../collector/registry/registry.ts';
import type { SaltStore } from '../../collector/salts.ts';
import { createIngestService } from '../../collector/service.ts';
import type { HitSink } from '../../collector/sink.ts';
import { createValidator } from '../../collector/validate.ts';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export function installRawHotPath(
  server: Server,
  deps: {
    sink: HitSink;
    registry: AppRegistry;
    salts: SaltStore;
    metrics: Metrics;
    perIp: number;
    perApp: number;
  },
): void {
  const fastify = server.listeners('request')[0] as Listener;
  server.removeAllListeners('request');
  const validator = createValidator();
  const ipLimiter = createWindowLimiter(deps.perIp, Date.now);
  const service = createIngestService({
    ...deps,
    appLimiter: createWindowLimiter(deps.perApp, Date.now),
    honorDnt: false,
    now: () => new Date(),
  });
  const answer = (res: ServerResponse, status: number, body: string, origin?: string) => {
    deps.metrics.countRequest('/v1/hits', status);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(origin ? { 'access-control-allow-origin': origin } : {}),
    });
    res.end(body);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v1/hits' || req.headers['content-encoding']) {
      fastify(req, res);
      return;
    }
    const ip = req.socket.remoteAddress ?? '';
    if (ipLimiter.take(ip, 1) > 0) return answer(res, 429, '{"error":"rate_limited"}');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(res, 400, '{"error":"invalid_json"}', origin);
      }
      const checked = validator.beaconBody(body);
      if (!checked.ok) return answer(res, 400, '{"error":"invalid_hit"}', origin);
      service
        .ingest({
          route: 'hits',
          source: 'beacon',
          hits: checked.hits,
          ip,
          userAgent: String(req.headers['user-agent'] ?? '').slice(0, 1024),
          origin,
          optOut: false,
        })
        .then(
          (r) => answer(res, 202, `{"accepted":${r.accepted}}`, origin),
          () => answer(res, 503, '{"error":"overloaded"}', origin),
        );
    });
  });
}
