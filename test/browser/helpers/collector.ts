/**
 * The real collector behind the browser tests: `buildServer` with a real app registry (PostgreSQL
 * when `DATABASE_URL` is set, else PGlite, migrated), in-memory salts and a memory sink, on
 * 127.0.0.1 port 0, serving the beacon built into the test's temp dir through `loadBeaconAssets`.
 *
 * `hits()` are the lake rows the collector stored — enriched server-side (masked `client_ip`,
 * `source`, `visitor_id`, fragment-free `url`, `metadata` as JSON text, nulls for absent fields) —
 * so tests assert what reached the lake, not what the page meant to send. `requests()` is a
 * request log kept by Fastify hooks on the same server: headers as received, the parsed body,
 * the status and headers of the answer, the collector's error for refused requests, and which TCP
 * connection carried the request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadBeaconAssets } from '../../../collector/beacon-assets.ts';
import type { BotPolicy } from '../../../collector/enrich/bot.ts';
import { createCachedRegistry } from '../../../collector/registry/cached-registry.ts';
import { createSqlRegistry } from '../../../collector/registry/sql-registry.ts';
import { createMemorySaltStore } from '../../../collector/salts.ts';
import { buildServer } from '../../../collector/server.ts';
import { openTestDb, TEST_CONFIG } from '../../../collector/testing/harness.ts';
import { createMemorySink } from '../../../collector/testing/memory-sink.ts';
import { migrate } from '../../../lib/db/migrate.ts';
import type { Sql } from '../../../lib/db/sql.ts';
import type { LakeRow } from '../../../schemas/lake.ts';
import type { BeaconHit } from '../../../schemas/wire.ts';
import { EnvelopeKind } from '../../../stream/envelope.ts';

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** what the collector answered */
  status: number;
  responseHeaders: Record<string, unknown>;
  /** the hits of an accepted `/v1/hits` body, as the collector parsed it (empty otherwise) */
  hits: BeaconHit[];
  /** the hits of any parseable `/v1/hits` body, accepted or not: what the page sent */
  sent: Record<string, unknown>[];
  /** the collector's error answer (`code: message`) when it refused the request */
  error?: string;
  /** the TCP connection that carried it: 1 for the first the collector accepted, 2 for the next… */
  connection: number;
};

export type Collector = {
  /** origin, e.g. `http://127.0.0.1:41234` */
  url: string;
  /** registers an app (default bot policy `drop`, like a real one) and returns its `app_id` */
  createApp(app: { origins: string[]; botPolicy?: BotPolicy }): Promise<string>;
  /** every row the collector stored for the lake, in submit order */
  hits(): LakeRow[];
  /** every request the collector answered, in arrival order */
  requests(): ReceivedRequest[];
  /** resolves with the stored rows once `done(rows)` is true; rejects after `timeoutMs` */
  waitFor(done: (hits: LakeRow[]) => boolean, timeoutMs?: number): Promise<LakeRow[]>;
  close(): Promise<void>;
};

const bodyHits = (body: unknown): BeaconHit[] =>
  (Array.isArray(body) ? body : [body]).filter((h): h is BeaconHit => typeof h === 'object' && h !== null);

/** Starts the real collector on 127.0.0.1 (port 0), serving the beacon built into `beaconDir`. */
export async function startCollector(opts: { beaconDir: string }): Promise<Collector> {
  const { db, done: closeDb } = await openTestDb();
  try {
    return await serve(db, opts.beaconDir, closeDb);
  } catch (err) {
    await closeDb();
    throw err;
  }
}

async function serve(db: Sql, beaconDir: string, closeDb: () => Promise<void>): Promise<Collector> {
  await migrate(db);
  const registry = createCachedRegistry(createSqlRegistry(db), { ttlMs: 60_000 });
  const sink = createMemorySink();
  const app = buildServer({
    sink,
    registry,
    salts: createMemorySaltStore(),
    config: TEST_CONFIG,
    beacon: loadBeaconAssets(beaconDir),
  });

  const received: ReceivedRequest[] = [];
  const errors = new WeakMap<object, string>();
  const connections = new WeakMap<object, number>();
  let accepted = 0;
  app.server.on('connection', (socket) => connections.set(socket, ++accepted));
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      try {
        // The collector's error shape (DESIGN §4): {"error":"<code>","message":"…","details":[…]}
        const { error, message, details } = JSON.parse(payload) as {
          error: string;
          message: string;
          details?: unknown;
        };
        errors.set(req, `${error}: ${message}${details ? ` ${JSON.stringify(details)}` : ''}`);
      } catch {
        errors.set(req, payload.slice(0, 200));
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.split('?')[0];
    received.push({
      method: req.method,
      path,
      headers: req.headers,
      status: reply.statusCode,
      responseHeaders: reply.getHeaders(),
      hits: path === '/v1/hits' && reply.statusCode === 202 ? bodyHits(req.body) : [],
      sent: path === '/v1/hits' ? bodyHits(req.body) : [],
      error: errors.get(req),
      connection: connections.get(req.raw.socket) ?? 0,
    });
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${address.port}`;

  const hits = () => sink.rows(EnvelopeKind.LAKE_ROWS);
  let refusalsReported = 0;
  let botsReported = 0;
  return {
    url,
    async createApp({ origins, botPolicy }) {
      const { app: created } = await registry.create({ name: 'browser test site', origins, botPolicy });
      return created.appId;
    },
    hits,
    requests: () => [...received],
    async waitFor(done, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // Each refusal (or hit dropped as a bot) fails the one wait that sees it first (a test that
        // meant to be refused checks requests() instead), so one bad request does not fail every
        // later test.
        const refusals = received.filter((r) => r.path === '/v1/hits' && r.status >= 400);
        if (refusals.length > refusalsReported) {
          const refused = refusals[refusalsReported];
          refusalsReported = refusals.length;
          throw new Error(`collector refused a request with ${refused.status}: ${refused.error}`);
        }
        const bots = sink.rows(EnvelopeKind.DROPPED_BOTS);
        if (bots.length > botsReported) {
          const bot = bots[botsReported];
          botsReported = bots.length;
          throw new Error(`collector dropped a hit as a bot (user agent "${bot.user_agent}"): ${bot.url}`);
        }
        const now = hits();
        if (done(now)) return now;
        if (Date.now() > until)
          throw new Error(`collector: condition not met in ${timeoutMs} ms; rows: ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      await app.close();
      await closeDb();
    },
  };
}
