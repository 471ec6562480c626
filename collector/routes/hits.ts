/** `POST /v1/hits` (the beacon's keepalive fetch, or sendBeacon) and its CORS preflight. */
import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../../schemas/wire.ts';
import { Errors, withDetails } from '../errors.ts';
import { optedOut, type RouteContext, requestOrigin, userAgentOf } from './context.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerHitsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // Preflight: the app is not known before the body, so any origin may ask; the POST itself is
  // checked against the app's allowed origins. The beacon's text/plain post needs no preflight at all.
  app.options('/v1/hits', async (req, reply) => {
    const origin = req.headers.origin;
    reply.header('vary', 'Origin');
    if (typeof origin === 'string' && origin !== '') {
      reply
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'Content-Type')
        .header('access-control-max-age', '86400');
    }
    return reply.code(204).send();
  });

  app.post(
    '/v1/hits',
    {
      bodyLimit: LIMITS.hitsBodyBytes,
    },
    // Not async: the answer is sent from the ingest promise's callbacks, which spares an async
    // function's promise and Fastify's wrapper around it on every request.
    (req, reply) => {
      reply.header('vary', 'Origin');
      const checked = ctx.validator.beaconBody(req.body);
      if (!checked.ok) {
        reply.send(withDetails(new Errors.InvalidHit(checked.message), checked.details));
        return;
      }
      ctx.service
        .ingest({
          route: 'hits',
          source: 'beacon',
          hits: checked.hits,
          ip: req.ip,
          userAgent: userAgentOf(req),
          origin: requestOrigin(req),
          optOut: optedOut(req),
        })
        .then(
          (result) => {
            if (typeof req.headers.origin === 'string') {
              reply.header('access-control-allow-origin', req.headers.origin);
            }
            // The documented `{"accepted":n}`, serialised by hand: the same bytes, less work per hit.
            reply.code(202).header('content-type', JSON_TYPE).send(`{"accepted":${result.accepted}}`);
          },
          (err: Error) => reply.send(err),
        );
    },
  );
}
