/**
 * The baseline process: Fastify with no plugins, answering `POST /v1/hits` with 204 after parsing
 * the same body the collector gets. Whatever the collector costs on top of this is ALT's overhead.
 * Prints one JSON line `{"port":…}` on stdout once listening.
 */
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { announce } from './announce.ts';

// `--spin-us N`: burn N µs of CPU per request before answering — a stand-in for a fixed amount of
// application work, to see what a given amount of work costs in throughput on this machine
// (`collector-ratio.ts --also spin-5,spin-10`).
const { values } = parseArgs({ options: { 'spin-us': { type: 'string', default: '0' } } });
const spinNs = BigInt(Math.round(Number(values['spin-us']) * 1000));
const spin = (): void => {
  const until = process.hrtime.bigint() + spinNs;
  while (process.hrtime.bigint() < until);
};

const app = Fastify({ logger: false });
// sendBeacon bodies arrive as text/plain; parse them as JSON like the collector does.
app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (err) {
    done(err as Error, undefined);
  }
});
// Without --spin-us the route is exactly the baseline it always was (no extra call per request).
app.post(
  '/v1/hits',
  spinNs === 0n
    ? async (_req, reply) => reply.code(204).send()
    : async (_req, reply) => {
        spin();
        return reply.code(204).send();
      },
);
app.get('/healthz', async () => ({ ok: true }));

const address = await app.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
announce({ port: Number(new URL(address).port) });
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => void app.close().then(() => process.exit(0)));
}
