/** `GET /b.js` and `GET /b.<hash>.js`: the beacon, pre-compressed (br, gzip), ETag + 304. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BeaconAsset } from '../beacon-assets.ts';
import type { RouteContext } from './context.ts';

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
      reply
        .header('content-type', asset.contentType)
        .header('cache-control', asset.immutable ? IMMUTABLE : SHORT_CACHE)
        .header('etag', etag)
        .header('vary', 'Accept-Encoding')
        .header('access-control-allow-origin', '*');
      const inm = req.headers['if-none-match'];
      if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
        return reply.code(304).send();
      }
      if (encoding) reply.header('content-encoding', encoding);
      return reply.send(encoding === 'br' ? asset.br : encoding === 'gzip' ? asset.gzip : asset.body);
    });
  }
}
