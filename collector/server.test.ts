/** Contract tests for every route and error code (DESIGN §4), through Fastify's inject. */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../lib/db/sql.ts';
import { EnvelopeKind } from '../stream/envelope.ts';
import { beaconAsset } from './beacon-assets.ts';
import { PIXEL_GIF } from './routes/pixel.ts';
import { type Harness, openTestDb, startHarness } from './testing/harness.ts';
import { CHROME_UA } from './testing/user-agents.ts';

const BEACON_SRC = Buffer.from(
  '(function(){/* beacon */window.alt=window.alt||function(){};})();'.repeat(20),
);

let h: Harness;
// One database for every server in this file.
let db: Sql;
let dbDone: () => Promise<void>;
let open: string; // app with no origin list
let shop: string; // app limited to https://shop.example
let keeper: string; // bot policy keep
let disabled: string;
let writeKey: string;
let disabledKey: string;

beforeAll(async () => {
  ({ db, done: dbDone } = await openTestDb());
  h = await startHarness({
    db,
    beacon: {
      files: new Map([
        ['b.js', beaconAsset('b.js', BEACON_SRC)],
        ['b.Ab12Cd34.js', beaconAsset('b.Ab12Cd34.js', BEACON_SRC)],
      ]),
    },
  });
  const o = await h.createApp({ name: 'open' });
  open = o.app.appId;
  writeKey = o.writeKey;
  shop = (await h.createApp({ origins: ['https://shop.example'] })).app.appId;
  keeper = (await h.createApp({ botPolicy: 'keep' })).app.appId;
  const d = await h.createApp({ name: 'gone' });
  disabled = d.app.appId;
  disabledKey = d.writeKey;
  await h.registry.disable(disabled);
});
afterAll(async () => {
  await h?.close();
  await dbDone?.();
});

const post = (payload: unknown, headers: Record<string, string> = {}, url = '/v1/hits') =>
  h.app.inject({
    method: 'POST',
    url,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME_UA, ...headers },
  });
const pageview = (app_id: string, over: Record<string, unknown> = {}) => ({
  app_id,
  event_type: 'pageview',
  url: 'https://shop.example/cart?step=2#top',
  ...over,
});
const errorOf = (r: { statusCode: number; json(): unknown }) => {
  const body = r.json() as { error: string; message: string; details: unknown[] };
  expect(Object.keys(body).sort()).toEqual(['details', 'error', 'message']);
  return body;
};

describe('POST /v1/hits', () => {
  it('takes one hit as text/plain (sendBeacon) and answers 202 once the sink has it', async () => {
    const before = h.sink.rows().length;
    const r = await post(pageview(open, { status_code: 404, response_time_ms: 87, metadata: { ab: 'x' } }));
    // No body and no Content-Type: the beacon never reads the answer, and every byte is paid per hit.
    expect(r.statusCode).toBe(202);
    expect(r.rawPayload.length).toBe(0);
    expect(r.headers['content-length']).toBe('0');
    expect(r.headers['content-type']).toBeUndefined();
    // No per-address limit headers on an accepted hit (only a 429 says when to retry).
    expect(Object.keys(r.headers).filter((k) => k.startsWith('x-ratelimit'))).toEqual([]);
    const row = h.sink.rows().at(before)!;
    expect(row).toMatchObject({
      app_id: open,
      source: 'beacon',
      url: 'https://shop.example/cart?step=2',
      status_code: 404,
      response_time_ms: 87,
      metadata: '{"ab":"x"}',
      client_ip: '127.0.0.0',
      user_agent: CHROME_UA,
      is_bot: false,
    });
  });

  it('takes an array of hits as application/json', async () => {
    const r = await post(
      [pageview(open), { app_id: open, event_type: 'event', event_name: 'signup', status: 'SUCCEEDED' }],
      { 'content-type': 'application/json' },
    );
    expect(r.statusCode).toBe(202);
    expect(r.rawPayload.length).toBe(0);
    expect(h.sink.rows().slice(-2)).toMatchObject([{ event_type: 'pageview' }, { event_type: 'event' }]);
    expect(h.sink.rows().at(-1)).toMatchObject({
      event_name: 'signup',
      status: 'SUCCEEDED',
      status_code: null,
    });
  });

  it('replaces a client timestamp outside [-24 h, +5 min] by arrival time and keeps one inside', async () => {
    const inside = Date.now() - 3600_000;
    await post([
      pageview(open, { timestamp: inside }),
      pageview(open, { timestamp: '2001-01-01T00:00:00Z' }),
    ]);
    const [a, b] = h.sink.rows().slice(-2);
    expect(a.timestamp).toBe(new Date(inside).toISOString());
    expect(b.timestamp).toBe(b.received_at);
  });

  it('rejects the whole request when one hit is invalid (400 invalid_hit with index and path)', async () => {
    const before = h.sink.rows().length;
    const r = await post([pageview(open), pageview(open, { url: undefined, is_bot: false })]);
    expect(r.statusCode).toBe(400);
    const e = errorOf(r);
    expect(e.error).toBe('invalid_hit');
    expect(e.details).toEqual(
      expect.arrayContaining([
        { index: 1, path: '/url', message: 'is required for pageviews' },
        { index: 1, path: '/is_bot', message: 'is_bot is set by the server and must not be sent' },
      ]),
    );
    expect(h.sink.rows().length).toBe(before);
  });

  it('400 invalid_json for a body that is not JSON or not UTF-8', async () => {
    expect(errorOf(await post('{"app_id":')).error).toBe('invalid_json');
    const latin1 = await h.app.inject({
      method: 'POST',
      url: '/v1/hits',
      payload: Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]),
      headers: { 'content-type': 'text/plain' },
    });
    expect(latin1.statusCode).toBe(400);
    expect(errorOf(latin1).error).toBe('invalid_json');
  });

  it('403 unknown_app, app_disabled, origin_not_allowed', async () => {
    const unknown = await post(pageview('alt_0000000000000000000000'));
    expect([unknown.statusCode, errorOf(unknown).error]).toEqual([403, 'unknown_app']);
    const off = await post(pageview(disabled));
    expect([off.statusCode, errorOf(off).error]).toEqual([403, 'app_disabled']);
    const evil = await post(pageview(shop), { origin: 'https://evil.example' });
    expect([evil.statusCode, errorOf(evil).error]).toEqual([403, 'origin_not_allowed']);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('CORS: `*` for an allowed origin and for any origin of an app without a list, none for a refused one', async () => {
    // The beacon posts without credentials, so `*` passes the browser's CORS check; the answer
    // is the same for every origin, so it does not vary on it.
    const ok = await post(pageview(shop), { origin: 'https://shop.example' });
    expect(ok.statusCode).toBe(202);
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    expect(ok.headers.vary).toBeUndefined();
    const any = await post(pageview(open), { origin: 'https://anywhere.example' });
    expect([any.statusCode, any.headers['access-control-allow-origin']]).toEqual([202, '*']);
    // A refusal other than the origin's may be read by the page; the refused origin's may not.
    const invalid = await post(pageview(shop, { url: 'not a url' }), { origin: 'https://shop.example' });
    expect([invalid.statusCode, invalid.headers['access-control-allow-origin']]).toEqual([400, '*']);
    const evil = await post(pageview(shop), { origin: 'https://evil.example' });
    expect([evil.statusCode, evil.headers['access-control-allow-origin']]).toEqual([403, undefined]);
    // No Origin (a server, curl): no CORS header at all.
    const none = await post(pageview(open));
    expect([none.statusCode, none.headers['access-control-allow-origin']]).toEqual([202, undefined]);
  });

  it('answers the CORS preflight', async () => {
    const r = await h.app.inject({
      method: 'OPTIONS',
      url: '/v1/hits',
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(r.statusCode).toBe(204);
    expect(r.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Content-Type',
    });
  });

  it('413 too_large from Content-Length before reading, 415 for other types and encodings', async () => {
    const big = await post(JSON.stringify([pageview(open, { metadata: { x: 'y'.repeat(70_000) } })]));
    expect([big.statusCode, errorOf(big).error]).toEqual([413, 'too_large']);
    const cases: Record<string, string>[] = [
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'text/plain; charset=utf-16' },
      { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      { 'content-type': 'text/plain', 'content-encoding': 'x-bomb' },
    ];
    for (const headers of cases) {
      const r = await post(pageview(open), headers);
      expect([r.statusCode, errorOf(r).error]).toEqual([415, 'unsupported_media_type']);
    }
  });

  it('503 overloaded with Retry-After when the sink is full or failing; nothing acknowledged', async () => {
    h.sink.mode = 'overloaded';
    const full = await post(pageview(open));
    expect([full.statusCode, errorOf(full).error, full.headers['retry-after']]).toEqual([
      503,
      'overloaded',
      '7',
    ]);
    h.sink.mode = 'fail';
    const failing = await post(pageview(open));
    expect([failing.statusCode, errorOf(failing).error]).toEqual([503, 'overloaded']);
    expect(failing.headers['retry-after']).toBe('1');
    h.sink.mode = 'ok';
    expect((await post(pageview(open))).statusCode).toBe(202);
  });

  it('503 overloaded before the body is read when the sink has no room (even for a bad body)', async () => {
    h.sink.mode = 'full';
    try {
      const before = h.sink.rows().length;
      for (const body of [pageview(open), '{not json']) {
        const r = await post(body);
        expect([r.statusCode, errorOf(r).error, r.headers['retry-after']]).toEqual([503, 'overloaded', '1']);
      }
      expect(h.sink.rows()).toHaveLength(before);
    } finally {
      h.sink.mode = 'ok';
    }
    expect((await post(pageview(open))).statusCode).toBe(202);
  });

  it('bot policy: drop sends a DROPPED_BOTS envelope, keep stores the row with is_bot', async () => {
    const headless = { 'user-agent': 'Mozilla/5.0 HeadlessChrome/120.0.0.0' };
    const before = h.sink.batches.length;
    expect((await post(pageview(open), headless)).statusCode).toBe(202);
    expect(h.sink.batches.at(-1)).toMatchObject({
      kind: EnvelopeKind.DROPPED_BOTS,
      rows: [{ is_bot: true }],
    });
    expect((await post(pageview(keeper), { 'user-agent': '' })).statusCode).toBe(202);
    expect(h.sink.batches.at(-1)).toMatchObject({ kind: EnvelopeKind.LAKE_ROWS, rows: [{ is_bot: true }] });
    expect(h.sink.batches.length).toBe(before + 2);
  });
});

describe('GET /v1/p.gif', () => {
  it('turns the query into a pixel hit and answers a 1×1 GIF that is never cached', async () => {
    const q = new URLSearchParams({
      app_id: open,
      event_type: 'pageview',
      url: 'https://shop.example/noscript#x',
      status_code: '200',
      module_id: 'footer',
    });
    const r = await h.app.inject({
      method: 'GET',
      url: `/v1/p.gif?${q}`,
      headers: { 'user-agent': CHROME_UA },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/gif');
    expect(r.headers['cache-control']).toContain('no-store');
    expect(r.rawPayload.equals(PIXEL_GIF)).toBe(true);
    expect(r.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    expect(h.sink.rows().at(-1)).toMatchObject({
      source: 'pixel',
      status_code: 200,
      module_id: 'footer',
      url: 'https://shop.example/noscript',
    });
  });

  it('takes a noscript pageview URL from Referer when the query has none', async () => {
    const r = await h.app.inject({
      method: 'GET',
      url: `/v1/p.gif?app_id=${open}&event_type=pageview`,
      headers: { 'user-agent': CHROME_UA, referer: 'https://shop.example/no-js?x=1#top' },
    });
    expect(r.statusCode).toBe(200);
    expect(h.sink.rows().at(-1)).toMatchObject({ source: 'pixel', url: 'https://shop.example/no-js?x=1' });
    const without = await h.app.inject({
      method: 'GET',
      url: `/v1/p.gif?app_id=${open}&event_type=pageview`,
      headers: { 'user-agent': CHROME_UA },
    });
    expect(without.statusCode).toBe(400);
  });

  it('answers invalid input with a 4xx JSON error, not a GIF', async () => {
    const r = await h.app.inject({
      method: 'GET',
      url: `/v1/p.gif?app_id=${open}&event_type=pageview&status_code=abc`,
    });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r).details).toEqual(
      expect.arrayContaining([{ index: 0, path: '/status_code', message: 'must be an integer' }]),
    );
    const unknown = await h.app.inject({
      method: 'GET',
      url: '/v1/p.gif?app_id=alt_0000000000000000000000&event_type=event',
    });
    expect([unknown.statusCode, errorOf(unknown).error]).toEqual([403, 'unknown_app']);
  });
});

describe('POST /v1/batch', () => {
  const batch = (hits: unknown[], key = writeKey) =>
    post(
      { hits },
      { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'user-agent': 'backend/2.1' },
      '/v1/batch',
    );

  it('accepts server hits with client log_id, timestamp, client_ip and user_agent', async () => {
    const ts = new Date(Date.now() - 60_000).toISOString();
    const r = await batch([
      {
        app_id: open,
        event_type: 'request',
        url: 'https://api.shop.example/orders',
        log_id: '0190b7a0-0000-7000-8000-0000000000aa',
        timestamp: ts,
        client_ip: '198.51.100.23',
        user_agent: CHROME_UA,
        status_code: 500,
        response_time_ms: 1234,
        request_id: 'req-1',
      },
      { app_id: open, event_type: 'event', event_name: 'job' },
    ]);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ accepted: 2 });
    const [a, b] = h.sink.rows().slice(-2);
    expect(a).toMatchObject({
      log_id: '0190b7a0-0000-7000-8000-0000000000aa',
      source: 'server',
      timestamp: ts,
      client_ip: '198.51.100.0',
      user_agent: CHROME_UA,
      status_code: 500,
      request_id: 'req-1',
    });
    expect(b.log_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(b).toMatchObject({ user_agent: 'backend/2.1', is_bot: false });
  });

  it('takes JSON null in optional fields as absent (typed SDKs serialise unset fields as null)', async () => {
    const r = await batch([
      {
        app_id: open,
        event_type: 'request',
        url: 'https://api.shop.example/orders',
        status: null,
        status_code: null,
        log_id: null,
        client_ip: null,
        user_agent: null,
        metadata: null,
      },
    ]);
    expect(r.statusCode).toBe(202);
    const row = h.sink.rows().at(-1);
    expect(row).toMatchObject({ status: null, status_code: null, user_agent: 'backend/2.1', metadata: null });
    expect(row?.log_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    const bad = await batch([{ app_id: open, event_type: null }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details).toEqual([expect.objectContaining({ index: 0, path: '/event_type' })]);
  });

  it('401 invalid_key without a key or with a wrong one, before reading the body', async () => {
    for (const authorization of [undefined, 'Bearer altk_nope', 'Basic abc', `Bearer ${writeKey}x`]) {
      const r = await h.app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: '{not even json',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      });
      expect([r.statusCode, errorOf(r).error]).toEqual([401, 'invalid_key']);
    }
  });

  it('503 overloaded before the body is read when the sink has no room; a bad key still gets 401', async () => {
    h.sink.mode = 'full';
    try {
      const before = h.sink.rows().length;
      const full = await h.app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: '{not even json',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
      });
      expect([full.statusCode, errorOf(full).error, full.headers['retry-after']]).toEqual([
        503,
        'overloaded',
        '1',
      ]);
      const stranger = await h.app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: '[]',
        headers: { 'content-type': 'application/json', authorization: 'Bearer altk_nope' },
      });
      expect(stranger.statusCode).toBe(401);
      expect(h.sink.rows()).toHaveLength(before);
    } finally {
      h.sink.mode = 'ok';
    }
    expect((await batch([{ app_id: open, event_type: 'event' }])).statusCode).toBe(202);
  });

  it('403 app_disabled for a disabled app key; 400 for a hit naming another app', async () => {
    const off = await batch([{ app_id: disabled, event_type: 'event' }], disabledKey);
    expect([off.statusCode, errorOf(off).error]).toEqual([403, 'app_disabled']);
    const other = await batch([
      { app_id: open, event_type: 'event' },
      { app_id: shop, event_type: 'event' },
    ]);
    expect(other.statusCode).toBe(400);
    expect(errorOf(other).details).toEqual([
      { index: 1, path: '/app_id', message: "is not the write key's app" },
    ]);
  });

  it('500 hits are fine, 501 are refused', async () => {
    const hits = Array.from({ length: 500 }, () => ({ app_id: open, event_type: 'event' }));
    expect((await batch(hits)).json()).toEqual({ accepted: 500 });
    const r = await batch([...hits, hits[0]]);
    expect([r.statusCode, errorOf(r).error]).toEqual([400, 'invalid_hit']);
  });
});

describe('beacon assets', () => {
  it('serves b.js with a short cache and the hashed name as immutable, br/gzip by Accept-Encoding', async () => {
    const plain = await h.app.inject({ method: 'GET', url: '/b.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toContain('javascript');
    expect(plain.headers['cache-control']).toBe('public, max-age=300');
    expect(plain.rawPayload.equals(BEACON_SRC)).toBe(true);
    const br = await h.app.inject({
      method: 'GET',
      url: '/b.Ab12Cd34.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // What a cross-origin script with SRI needs, and no validator: an immutable name is never revalidated.
    expect(br.headers).toMatchObject({ vary: 'Accept-Encoding', 'access-control-allow-origin': '*' });
    expect(br.headers['content-type']).toContain('javascript');
    expect(br.headers.etag).toBeUndefined();
    expect(br.headers['last-modified']).toBeUndefined();
    expect(brotliDecompressSync(br.rawPayload).equals(BEACON_SRC)).toBe(true);
    const gz = await h.app.inject({ method: 'GET', url: '/b.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).equals(BEACON_SRC)).toBe(true);
    expect(gz.rawPayload.length).toBeLessThan(BEACON_SRC.length);
    expect(gz.headers.vary).toBe('Accept-Encoding');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await h.app.inject({ method: 'GET', url: '/b.js', headers: { 'accept-encoding': 'br' } });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await h.app.inject({
      method: 'GET',
      url: '/b.js',
      headers: { 'accept-encoding': 'br', 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    const other = await h.app.inject({
      method: 'GET',
      url: '/b.js',
      headers: { 'if-none-match': '"stale"' },
    });
    expect(other.statusCode).toBe(200);
    // A hashed copy cached while it still carried an ETag is still answered 304.
    const hashed = await h.app.inject({
      method: 'GET',
      url: '/b.Ab12Cd34.js',
      headers: { 'accept-encoding': 'br', 'if-none-match': etag },
    });
    expect(hashed.statusCode).toBe(304);
  });

  it('404 not_found for unknown names', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/b.deadbeef.js' });
    expect([r.statusCode, errorOf(r).error]).toEqual([404, 'not_found']);
  });
});

describe('health and metrics', () => {
  it('/healthz is alive; /readyz follows the sink', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    h.sink.ready = false;
    const r = await h.app.inject({ method: 'GET', url: '/readyz' });
    h.sink.ready = true;
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ error: 'overloaded', ready: false, sink: false, registry: true });
  });

  it('/metrics counts requests, accepted and rejected hits, bots, and sink flushes', async () => {
    h.metrics.observer.flushed?.({
      kind: EnvelopeKind.LAKE_ROWS,
      hits: 10,
      bytes: 999,
      records: 1,
      latencyMs: 4,
    });
    h.metrics.observer.sinkError?.({ sink: 'kinesis', reason: 'throttled' });
    h.metrics.observer.inflightBytes?.(4321);
    const r = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    const text = r.body;
    expect(text).toMatch(/alt_collector_requests_total\{route="\/v1\/hits",status="202"\} \d+/);
    expect(text).toMatch(/alt_collector_hits_accepted_total\{source="beacon"\} \d+/);
    expect(text).toMatch(/alt_collector_hits_rejected_total\{reason="invalid_hit"\} \d+/);
    expect(text).toMatch(/alt_collector_bot_hits_total\{policy="drop"\} \d+/);
    expect(text).toContain('alt_collector_flush_hits_count{kind="lake_rows"} 1');
    expect(text).toContain('alt_collector_sink_errors_total{sink="kinesis",reason="throttled"} 1');
    // Read at scrape time: the last figure the sink reported.
    expect(text).toContain('alt_collector_inflight_bytes 4321');
  });
});

describe('what the alarms watch behind an NLB (own server)', () => {
  it('counts 4xx and 5xx answers and reports the p99 of response times over the last minute', async () => {
    const s = await startHarness({ db });
    try {
      const { app } = await s.createApp();
      const value = async (name: string) =>
        ((await s.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value as number) ?? 0;
      expect(await value('alt_collector_request_latency_p99_seconds')).toBe(0);
      const send = () =>
        s.app.inject({
          method: 'POST',
          url: '/v1/hits',
          payload: JSON.stringify(pageview(app.appId)),
          headers: { 'content-type': 'text/plain', 'user-agent': CHROME_UA },
        });
      for (let i = 0; i < 20; i++) expect((await send()).statusCode).toBe(202);
      // One answer held 150 ms by the sink: in 21 answers the slowest is the p99.
      const submit = s.sink.submit;
      s.sink.submit = async (kind, rows) => {
        await new Promise((r) => setTimeout(r, 150));
        return submit(kind, rows);
      };
      expect((await send()).statusCode).toBe(202);
      s.sink.submit = submit;
      expect(await value('alt_collector_request_latency_p99_seconds')).toBeGreaterThanOrEqual(0.15);
      expect((await s.app.inject({ method: 'GET', url: '/wp-login.php' })).statusCode).toBe(404);
      expect((await s.app.inject({ method: 'GET', url: '/.env' })).statusCode).toBe(404);
      s.sink.mode = 'full';
      expect((await send()).statusCode).toBe(503);
      s.sink.mode = 'ok';
      expect(await value('alt_collector_responses_4xx_total')).toBe(2);
      expect(await value('alt_collector_responses_5xx_total')).toBe(1);
      const requests = (await s.metrics.registry.getSingleMetric('alt_collector_requests_total')?.get())
        ?.values as { value: number }[];
      expect(requests.reduce((sum, v) => sum + v.value, 0)).toBe(24);
    } finally {
      await s.close();
    }
  });
});

describe('limits and opt-outs (own servers)', () => {
  it('429 rate_limited per client address, with Retry-After', async () => {
    const s = await startHarness({ db, config: { rateLimitPerIp: 3 } });
    try {
      const { app } = await s.createApp();
      const send = () =>
        s.app.inject({
          method: 'POST',
          url: '/v1/hits',
          payload: JSON.stringify(pageview(app.appId)),
          headers: { 'content-type': 'text/plain' },
        });
      for (let i = 0; i < 3; i++) expect((await send()).statusCode).toBe(202);
      const r = await send();
      expect([r.statusCode, errorOf(r).error]).toEqual([429, 'rate_limited']);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('429 rate_limited per app, counting hits not requests', async () => {
    const s = await startHarness({ db, config: { rateLimitPerApp: 60 } });
    try {
      const a = (await s.createApp()).app.appId;
      const b = (await s.createApp()).app.appId;
      const many = (id: string, n: number) =>
        s.app.inject({
          method: 'POST',
          url: '/v1/hits',
          payload: JSON.stringify(Array.from({ length: n }, () => pageview(id))),
          headers: { 'content-type': 'text/plain' },
        });
      expect((await many(a, 50)).statusCode).toBe(202);
      const r = await many(a, 11);
      expect([r.statusCode, errorOf(r).error]).toEqual([429, 'rate_limited']);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect((await many(b, 50)).statusCode).toBe(202);
    } finally {
      await s.close();
    }
  });

  it('honours Sec-GPC / DNT when configured: 202, nothing stored; stored when not configured', async () => {
    const on = await startHarness({ db, config: { honorDnt: true } });
    const off = await startHarness({ db });
    try {
      for (const s of [on, off]) {
        const { app } = await s.createApp();
        for (const headers of [{ 'sec-gpc': '1' }, { dnt: '1' }]) {
          const r = await s.app.inject({
            method: 'POST',
            url: '/v1/hits',
            payload: JSON.stringify(pageview(app.appId)),
            headers: { 'content-type': 'text/plain', ...headers },
          });
          expect(r.statusCode).toBe(202);
        }
      }
      expect(on.sink.rows()).toHaveLength(0);
      expect(off.sink.rows()).toHaveLength(2);
      expect(
        await on.metrics.registry.getSingleMetricAsString('alt_collector_hits_rejected_total'),
      ).toContain('reason="dnt"} 2');
    } finally {
      await on.close();
      await off.close();
    }
  });
});
