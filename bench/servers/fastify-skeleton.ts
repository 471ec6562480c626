/**
 * The collector's framework alone: its Fastify instance (`createCollectorFastify`: server options
 * and the JSON body parser, so the body is decoded and parsed), two callback hooks that do nothing
 * (the collector has one `onRequest` and one `onResponse`) and the collector's 202 (no body,
 * `Access-Control-Allow-Origin: *`) — no validation, enrichment, metrics or sink. Between bare
 * Fastify and the collector, it shows how much of the gap is the framework configuration and how
 * much the collector's own work.
 * Prints one JSON line `{"port":…}` on stdout once listening.
 */
import pino from 'pino';
import { createCollectorFastify } from '../../collector/server.ts';
import { announce } from './announce.ts';

const app = createCollectorFastify({ trustProxyHops: 0 }, pino({ level: 'warn' }));
app.addHook('onRequest', (_req, _reply, done) => done());
app.addHook('onResponse', (_req, _reply, done) => done());
app.post('/v1/hits', async (req, reply) => {
  if (typeof req.headers.origin === 'string') reply.header('access-control-allow-origin', '*');
  return reply.code(202).send();
});

const address = await app.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
announce({ port: Number(new URL(address).port) });
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => void app.close().then(() => process.exit(0)));
}
