/** `POST /v1/hits` (the beacon's keepalive fetch, or sendBeacon) and its CORS preflight. */
import type { FastifyInstance } from 'fastify';
import { LIMITS } from '../../schemas/wire.ts';
import { Errors, withDetails } from '../errors.ts';
import { omitKeepAliveHeaders, optedOut, type RouteContext, requestOrigin, userAgentOf } from './context.ts';

/**
 * `*` rather than the page's origin: the beacon posts without credentials (`credentials: 'omit'`;
 * sendBeacon's text/plain post is a no-cors request whose answer no one reads), and for a request
 * without credentials the Fetch Standard's CORS check accepts `*`
 * (https://fetch.spec.whatwg.org/#cors-check). The answer then no longer depends on which origin
 * asked, so it needs no `Vary: Origin` either: 22 + 14 bytes fewer per hit for a 23-character
 * origin. Which origins may send hits is still enforced on every post (403 origin_not_allowed,
 * which carries no Access-Control-Allow-Origin at all), not by the browser reading this header.
 */
export const ANY_ORIGIN = '*';

export function registerHitsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  // Preflight: the app is not known before the body, so any origin may ask; the POST itself is
  // checked against the app's allowed origins. The beacon's text/plain post needs no preflight at all;
  // a JSON post from other code does, and gets the same `*` the POST answers with (valid for
  // requests without credentials; Content-Type is listed by name). No `Vary: Origin`: the answer is
  // the same for every origin, and no HTTP cache stores an OPTIONS response.
  app.options('/v1/hits', async (req, reply) => {
    const origin = req.headers.origin;
    if (typeof origin === 'string' && origin !== '') {
      reply
        .header('access-control-allow-origin', ANY_ORIGIN)
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
          () => {
            if (typeof req.headers.origin === 'string') {
              reply.header('access-control-allow-origin', ANY_ORIGIN);
            }
            // No body and so no Content-Type: the beacon never reads the answer, only a 202 means
            // anything, and at a billion hits a month `{"accepted":1}` with its Content-Type is
            // ~60 GB of egress. /v1/batch, whose callers do read it, keeps `{"accepted":n}`.
            omitKeepAliveHeaders(reply);
            reply.code(202).send();
          },
          (err: Error) => reply.send(err),
        );
    },
  );
}
