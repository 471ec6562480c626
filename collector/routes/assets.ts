/** `GET /b.js` and `GET /b.<hash>.js`: the beacon, pre-compressed (br, gzip); `b.js` with ETag + 304. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BeaconAsset } from '../beacon-assets.ts';
import { omitKeepAliveHeaders, type RouteContext } from './context.ts';

/** `b.js` is the stable URL snippets use: short cache so a new build reaches pages within minutes. */
const SHORT_CACHE = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function pickEncoding(req: FastifyRequest, a: BeaconAsset): 'br' | 'gzip' | undefined {
  const accept = String(req.headers['accept-encoding'] ?? '').toLowerCase();
  const allows = (enc: string) => new RegExp(`(^|[,\\s])${enc}(?!;\\s*q=0(\\.0*)?(,|$))`).test(accept);
  if (a.br && allows('br')) return 'br';
  if (a.gzip && allows('gzip')) return 'gzip';
  return undefined;
}

export function registerAssetRoutes(app: FastifyInstance, ctx: RouteContext): void {
  for (const [name, asset] of ctx.beacon.files) {
    app.get(`/${name}`, async (req, reply) => {
      const encoding = pickEncoding(req, asset);
      const etag = encoding ? `${asset.etag.slice(0, -1)}-${encoding}"` : asset.etag;
      // Every header here is needed: the type and charset (how a browser decodes the script,
      // whatever the page's own encoding), the cache lifetime, `Vary` because the body depends on
      // Accept-Encoding (a shared cache must not hand brotli to a client that did not ask for it),
      // and Access-Control-Allow-Origin because the snippet loads the script with
      // crossorigin="anonymous" (SRI needs a CORS response). No Cross-Origin-Resource-Policy: it
      // governs no-cors loads only, and this one is a CORS load.
      reply
        .header('content-type', asset.contentType)
        .header('cache-control', asset.immutable ? IMMUTABLE : SHORT_CACHE)
        .header('vary', 'Accept-Encoding')
        .header('access-control-allow-origin', '*');
      // No ETag on the hashed name: a new build gets a new name, so its body never changes, and a
      // browser never revalidates a fresh `immutable` response (a year's max-age outlives the cache
      // entry). 35 bytes of every cold-cache page's script (brotli). `b.js` keeps its ETag: it is
      // revalidated every 5 minutes. The If-None-Match check below stays for both, so a copy cached
      // with an ETag before this still gets its 304.
      if (!asset.immutable) reply.header('etag', etag);
      omitKeepAliveHeaders(reply);
      const inm = req.headers['if-none-match'];
      if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
        return reply.code(304).send();
      }
      if (encoding) reply.header('content-encoding', encoding);
      return reply.send(encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.body);
    });
  }
}
