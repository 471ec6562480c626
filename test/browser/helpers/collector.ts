/**
 * A stand-in for the collector's browser-facing surface, for beacon tests: it serves the built
 * beacon (`/b.js`, `/b.<hash>.js`, CORS for SRI) and answers `POST /v1/hits` the way DESIGN §4
 * says the real one does — 202, CORS per `Origin`, preflight, 415 for other media types — and
 * validates every body with the real `schemas/wire.ts` `BeaconBodySchema` (plus `url` required on
 * pageviews). A field the real collector would refuse is refused here too, and recorded as such.
 *
 * The shape `{ url, hits(), requests(), close() }` is what the browser tests use; the real
 * `buildServer` can stand behind the same shape (hits read back from its sink).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { BeaconBodySchema, type BeaconHit } from '../../../schemas/wire.ts';

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** what we answered */
  status: number;
  responseHeaders: Record<string, string>;
  /** the accepted hits of this request (empty when refused) */
  hits: BeaconHit[];
  /** why it was refused */
  error?: string;
};

export type Collector = {
  /** origin, e.g. `http://127.0.0.1:41234` */
  url: string;
  /** every accepted hit, in arrival order */
  hits(): BeaconHit[];
  /** every request to `/v1/hits` (accepted or not), in arrival order */
  requests(): ReceivedRequest[];
  /** resolves with the accepted hits once `done(hits)` is true; rejects after `timeoutMs` */
  waitFor(done: (hits: BeaconHit[]) => boolean, timeoutMs?: number): Promise<BeaconHit[]>;
  close(): Promise<void>;
};

const validate = new Ajv({ allErrors: true, coerceTypes: false }).compile(BeaconBodySchema);

function check(body: string): { hits: BeaconHit[] } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { error: 'invalid_json' };
  }
  if (!validate(parsed)) return { error: `invalid_hit: ${JSON.stringify(validate.errors)}` };
  const hits = (Array.isArray(parsed) ? parsed : [parsed]) as BeaconHit[];
  const noUrl = hits.findIndex((h) => h.event_type === 'pageview' && !h.url);
  if (noUrl >= 0) return { error: `invalid_hit: [${noUrl}] pageview without url` };
  return { hits };
}

/** Starts the recording collector on 127.0.0.1 (port 0), serving the beacon from `beaconDir`. */
export async function startCollector(opts: { beaconDir: string }): Promise<Collector> {
  const received: ReceivedRequest[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '/').split('?')[0];
      const origin = req.headers.origin;
      const cors: Record<string, string> = origin
        ? { 'access-control-allow-origin': origin, vary: 'Origin' }
        : {};
      const send = (status: number, headers: Record<string, string>, body: string | Buffer = '') => {
        res.writeHead(status, headers).end(body);
        return { status, headers };
      };

      const beacon = /^\/b(\.[0-9a-f]{8})?\.js$/.exec(path);
      if (req.method === 'GET' && beacon) {
        try {
          const code = await readFile(join(opts.beaconDir, path.slice(1)));
          // `*` so `<script crossorigin="anonymous" integrity=…>` can check the hash from any site.
          send(
            200,
            {
              'content-type': 'text/javascript; charset=utf-8',
              'access-control-allow-origin': '*',
              'cache-control': beacon[1] ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
            },
            code,
          );
        } catch {
          send(404, {});
        }
        return;
      }
      if (path !== '/v1/hits') {
        send(404, {});
        return;
      }
      if (req.method === 'OPTIONS') {
        send(204, {
          ...cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '86400',
        });
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const record = (status: number, headers: Record<string, string>, hits: BeaconHit[], error?: string) => {
        const r = send(
          status,
          headers,
          error ? JSON.stringify({ error: error.split(':')[0], message: error }) : '',
        );
        received.push({
          method: req.method ?? '',
          path,
          headers: req.headers,
          body,
          status: r.status,
          responseHeaders: r.headers,
          hits,
          error,
        });
      };
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (req.method !== 'POST') return record(405, cors, [], 'method_not_allowed');
      if (type !== 'text/plain' && type !== 'application/json')
        return record(415, cors, [], `unsupported_media_type: ${type}`);
      const result = check(body);
      if ('error' in result)
        return record(400, { ...cors, 'content-type': 'application/json' }, [], result.error);
      record(202, cors, result.hits);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const hits = () => received.flatMap((r) => r.hits);
  let refusalsReported = 0;
  return {
    url,
    hits,
    requests: () => [...received],
    async waitFor(done, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // Each refusal fails the one wait that sees it first (a test that meant to be refused
        // checks requests() instead), so one bad request does not fail every later test.
        const refusals = received.filter((r) => r.error);
        if (refusals.length > refusalsReported) {
          const refused = refusals[refusalsReported];
          refusalsReported = refusals.length;
          throw new Error(`collector refused a request: ${refused.error}\n${refused.body}`);
        }
        const now = hits();
        if (done(now)) return now;
        if (Date.now() > until)
          throw new Error(`collector: condition not met in ${timeoutMs} ms; hits: ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
