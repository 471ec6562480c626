/** `POST /v1/batch`: server-side hits with a write key; client `log_id`s make retries idempotent. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIMITS } from '../../schemas/wire.ts';
import { Errors, withAppId, withDetails, withRetryAfter } from '../errors.ts';
import type { App } from '../registry/registry.ts';
import { type RouteContext, userAgentOf } from './context.ts';

const keyApps = new WeakMap<FastifyRequest, App>();

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer[ \t]+([!-~]{1,200})[ \t]*$/i.exec(h);
  return m?.[1];
}

export function registerBatchRoute(app: FastifyInstance, ctx: RouteContext): void {
  app.post(
    '/v1/batch',
    {
      bodyLimit: LIMITS.batchBodyBytes,
      // The key is checked before the body is read: an unauthenticated client cannot make us parse 1 MiB.
      onRequest: async (req) => {
        const key = bearer(req);
        let found: App | null = null;
        if (key) {
          try {
            found = await ctx.registry.getByWriteKey(key);
          } catch {
            throw new Errors.Overloaded();
          }
        }
        if (!found) throw new Errors.InvalidKey();
        if (found.disabledAt) throw withAppId(new Errors.AppDisabled(found.appId), found.appId);
        // Memory full: refuse before reading up to 1 MiB that would be refused after parsing.
        if (ctx.sink.hasRoom && !ctx.sink.hasRoom()) throw withRetryAfter(new Errors.Overloaded(), 1);
        keyApps.set(req, found);
      },
    },
    async (req, reply) => {
      const checked = ctx.validator.batchBody(req.body);
      if (!checked.ok) throw withDetails(new Errors.InvalidHit(checked.message), checked.details);
      const result = await ctx.service.ingest({
        route: 'batch',
        source: 'server',
        hits: checked.hits,
        ip: req.ip,
        userAgent: userAgentOf(req),
        optOut: false,
        keyApp: keyApps.get(req)!,
      });
      return reply.code(202).send({ accepted: result.accepted });
    },
  );
}
