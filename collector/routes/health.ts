/** `/healthz` (process alive), `/readyz` (sink can take writes, registry reachable), `/metrics`. */
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../errors.ts';
import type { RouteContext } from './context.ts';

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p.catch(() => fallback), new Promise<T>((r) => setTimeout(r, ms, fallback).unref())]);

/** What the operational routes read: whether the sink and registry answer, and the metrics. */
export type HealthContext = Pick<RouteContext, 'sink' | 'registry' | 'metrics'>;

export function registerHealthRoutes(app: FastifyInstance, ctx: HealthContext): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_req, reply) => {
    const [sink, registry] = await Promise.all([
      withTimeout(ctx.sink.isReady(), 2000, false),
      withTimeout(ctx.registry.ping(), 2000, false),
    ]);
    if (sink && registry) return { ready: true, sink, registry };
    const failing = [!sink && 'sink', !registry && 'registry'].filter(Boolean).join(', ');
    return reply
      .code(503)
      .header('retry-after', '5')
      .send({ ...errorBody('overloaded', `not ready: ${failing}`), ready: false, sink, registry });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
