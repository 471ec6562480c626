/**
 * The collector's private listener (`--private-port`): `/healthz`, `/readyz` and `/metrics` on a
 * port of their own, so the public port serves only the public routes. Behind an NLB that is the
 * only thing keeping them off the internet: an NLB forwards every request on its listener's port,
 * whatever the path (it has no listener rules). The load balancer's health check reaches this port
 * from inside the VPC (a target group may health-check another port than the traffic port,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html)
 * and the CloudWatch agent scrapes it on 127.0.0.1; no load balancer listener forwards to it.
 *
 * Its requests are not counted in the request metrics: health checks are not traffic.
 */
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { Errors, errorBody } from './errors.ts';
import { type HealthContext, registerHealthRoutes } from './routes/health.ts';

export function buildPrivateServer(ctx: HealthContext, logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    requestIdHeader: false,
    logController: new LogController({ disableRequestLogging: true }),
  }) as unknown as FastifyInstance;
  app.setNotFoundHandler((req, reply) => {
    const e = new Errors.NotFound(req.method, req.url.split('?')[0]?.slice(0, 200));
    return reply.code(404).send(errorBody('not_found', e.message));
  });
  registerHealthRoutes(app, ctx);
  return app;
}
