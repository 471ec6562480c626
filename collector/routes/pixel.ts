/** `GET /v1/p.gif`: the `<noscript>` fallback; a query string becomes one hit with source `pixel`. */
import type { FastifyInstance } from 'fastify';
import { Errors, withDetails } from '../errors.ts';
import { omitKeepAliveHeaders, optedOut, type RouteContext, requestOrigin, userAgentOf } from './context.ts';

/** The smallest transparent 1×1 GIF (42 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * A `<noscript>` pixel cannot know its page's URL without server templating, so a pixel without `url`
 * takes it from `Referer` (the snippet sets `referrerpolicy="no-referrer-when-downgrade"`).
 */
function withRefererUrl(query: unknown, referer: string | undefined): unknown {
  if (typeof query !== 'object' || query === null || 'url' in query) return query;
  if (typeof referer !== 'string' || !/^https?:\/\//i.test(referer)) return query;
  return { ...query, url: referer };
}

export function registerPixelRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/p.gif', async (req, reply) => {
    const checked = ctx.validator.pixelQuery(withRefererUrl(req.query, req.headers.referer));
    if (!checked.ok) throw withDetails(new Errors.InvalidHit(checked.message), checked.details);
    await ctx.service.ingest({
      route: 'pixel',
      source: 'pixel',
      hits: checked.hits,
      ip: req.ip,
      userAgent: userAgentOf(req),
      // Image requests carry no Origin; the embedding page's Referer stands in for it.
      origin: requestOrigin(req, 'referer'),
      optOut: optedOut(req),
    });
    omitKeepAliveHeaders(reply);
    return reply
      .code(200)
      .header('content-type', 'image/gif')
      .header('cache-control', 'no-store, max-age=0')
      .send(PIXEL_GIF);
  });
}
