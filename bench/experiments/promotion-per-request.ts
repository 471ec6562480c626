/**
 * How many bytes of each beacon request the collector leaves for the old generation: garbage that a
 * scavenge promotes instead of freeing, which then costs scavenge time (copying) and mark-compacts
 * (collecting it). Run as the collector runs (`startCollector`: cached registry, batcher, local
 * segment log), with `--connections` keep-alive connections, one request on each:
 *
 * 1. a few rounds to warm up the JIT, then two full collections (what is live becomes old);
 * 2. one request on every connection; wait `--wait-ms` for every answer and put to finish;
 * 3. three scavenges back to back (nothing runs between them, so what survives the first is promoted
 *    by the second), then a full collection.
 *
 * "promoted" is the old generation's growth after the scavenges, per request; "after full GC" what
 * is still there after the full collection (what the collector really keeps, e.g. its metrics).
 * The difference is garbage that survived scavenges only because something already old and dead
 * pointed at it ("nepotism"). The same is measured for the collector's Fastify with a route that
 * answers 202 at once (`createCollectorFastify`, as bench/servers/fastify-skeleton.ts), the
 * baseline of the same run.
 *
 *   node --expose-gc --import tsx bench/experiments/promotion-per-request.ts [--connections 400]
 *     [--rounds 3] [--wait-ms 100] [--out FILE]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import pino from 'pino';
import { startCollector } from '../../collector/main.ts';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { createCollectorFastify } from '../../collector/server.ts';
import { CHROME_UA } from '../../collector/testing/user-agents.ts';
import { loadConfig } from '../../lib/config.ts';
import { openDatabase } from '../../lib/db/open-database.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
    'wait-ms': { type: 'string', default: '100' },
    out: { type: 'string' },
  },
});
const N = Number(values.connections);
const ROUNDS = Number(values.rounds);
const WAIT_MS = Number(values['wait-ms']);
const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const oldSpaceUsed = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;

interface Server {
  port: number;
  body: string;
  stop(): Promise<unknown>;
}

async function measure(name: string, server: Server) {
  const request =
    `POST /v1/hits HTTP/1.1\r\nhost: collect.example\r\ncontent-type: text/plain\r\norigin: https://a.example\r\n` +
    `user-agent: ${CHROME_UA}\r\ncontent-length: ${Buffer.byteLength(server.body)}\r\n\r\n${server.body}`;
  const sockets = await Promise.all(
    Array.from(
      { length: N },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect(server.port, '127.0.0.1', () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  let refused = 0;
  const round = () =>
    Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('data', (d) => {
              if (!String(d).startsWith('HTTP/1.1 202')) refused++;
              resolve();
            });
            s.write(request);
          }),
      ),
    );
  for (let i = 0; i < 20; i++) await round();
  const rounds: { promotedPerRequest: number; keptPerRequest: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    gc?.();
    gc?.();
    const before = oldSpaceUsed();
    await round();
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    gc?.({ type: 'minor' });
    gc?.({ type: 'minor' });
    gc?.({ type: 'minor' });
    const promoted = oldSpaceUsed() - before;
    gc?.();
    const kept = oldSpaceUsed() - before;
    rounds.push({ promotedPerRequest: Math.round(promoted / N), keptPerRequest: Math.round(kept / N) });
  }
  for (const s of sockets) s.destroy();
  await server.stop();
  if (refused > 0) throw new Error(`${name}: ${refused} requests not answered 202`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result = {
    name,
    promotedPerRequest: median(rounds.map((r) => r.promotedPerRequest)),
    keptPerRequest: median(rounds.map((r) => r.keptPerRequest)),
    rounds,
  };
  console.log(
    `${name}: ${result.promotedPerRequest} B a request promoted by scavenges, ${result.keptPerRequest} B kept after a full collection (median of ${ROUNDS})`,
  );
  return result;
}

async function skeleton(): Promise<Server> {
  const app = createCollectorFastify({ trustProxyHops: 0 }, pino({ level: 'warn' }));
  app.post('/v1/hits', (_req, reply) => {
    reply.code(202).send();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    body: '{"app_id":"x","event_type":"pageview","url":"https://a.example/"}',
    stop: () => app.close(),
  };
}

async function collector(dir: string): Promise<Server> {
  const config = loadConfig(
    { dataDir: dir, port: '0', logLevel: 'silent', stream: 'local' },
    { ALT_RATE_LIMIT_IP: '1000000', ALT_RATE_LIMIT_APP: '100000000' },
  );
  const setup = await openDatabase(config);
  const { app } = await createSqlRegistry(setup).create({ name: 'promotion bench' });
  await setup.close();
  const c = await startCollector(config);
  return {
    port: Number(new URL(c.url).port),
    body: JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: 'https://a.example/' }),
    stop: () => c.stop(),
  };
}

const dir = await mkdtemp(join(tmpdir(), 'alt-promotion-'));
try {
  const base = await measure('collector Fastify, route answering at once', await skeleton());
  const real = await measure(
    'collector (startCollector: registry cache, batcher, segment log)',
    await collector(dir),
  );
  const out = {
    at: new Date().toISOString(),
    node: process.version,
    connections: N,
    waitMs: WAIT_MS,
    results: [base, real],
    promotedRatio: Math.round((real.promotedPerRequest / Math.max(1, base.promotedPerRequest)) * 100) / 100,
  };
  console.log(`ratio collector / baseline: ${out.promotedRatio}×`);
  if (values.out) await writeFile(values.out, `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
