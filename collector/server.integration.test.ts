/**
 * Over real HTTP on 127.0.0.1: client address from X-Forwarded-For only for the trusted hops, the
 * production wiring (`startCollector`: PGlite registry, batcher, segment log) end to end, and the
 * same as the stack runs it behind an NLB (private port, the socket's address).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEACON_DIST, ensureBeacon } from '../beacon/build.ts';
import { loadConfig } from '../lib/config.ts';
import { openDatabase } from '../lib/db/open-database.ts';
import type { Sql } from '../lib/db/sql.ts';
import type { LakeRow } from '../schemas/lake.ts';
import { decodeEnvelope, EnvelopeKind } from '../stream/envelope.ts';
import { localStreamDir } from '../stream/from-config.ts';
import { createSegmentLogReader } from '../stream/segment-log/index.ts';
import { loadBeaconAssets } from './beacon-assets.ts';
import { createCollectorLogger } from './logger.ts';
import { startCollector } from './main.ts';
import { createSqlRegistry } from './registry/sql-registry.ts';
import { openTestDb, startHarness } from './testing/harness.ts';
import { CHROME_UA } from './testing/user-agents.ts';

// One test database for the harness-based servers of this file.
let db: Sql;
let dbDone: () => Promise<void>;
beforeAll(async () => {
  ({ db, done: dbDone } = await openTestDb());
});
afterAll(async () => dbDone?.());

describe('X-Forwarded-For', () => {
  async function clientIpWith(hops: number, xff: string): Promise<string> {
    const h = await startHarness({ db, config: { trustProxyHops: hops } });
    try {
      const base = await h.listen();
      // Above the ALB's 60 s idle timeout, so the ALB closes idle connections, not us.
      expect(h.app.server.keepAliveTimeout).toBe(65_000);
      expect(h.app.server.headersTimeout).toBeGreaterThan(65_000);
      const { app } = await h.createApp();
      const r = await fetch(`${base}/v1/hits`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': CHROME_UA, 'x-forwarded-for': xff },
        body: JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: 'https://a.example/' }),
      });
      expect(r.status).toBe(202);
      return h.sink.rows()[0].client_ip;
    } finally {
      await h.close();
    }
  }

  it('behind one proxy, takes the address the proxy appended; a forged value in front is ignored', async () => {
    expect(await clientIpWith(1, '203.0.113.77')).toBe('203.0.113.0');
    expect(await clientIpWith(1, '6.6.6.6, 203.0.113.77')).toBe('203.0.113.0');
    expect(await clientIpWith(1, '6.6.6.6,7.7.7.7, 2001:db8:aa:bb::1')).toBe('2001:db8:aa::');
  });

  it('with no trusted hops, ignores the header entirely', async () => {
    expect(await clientIpWith(0, '203.0.113.77')).toBe('127.0.0.0');
  });

  it('logs only the masked address and never the write key or forwarded addresses', async () => {
    const lines: string[] = [];
    const logger = createCollectorLogger('trace', { write: (l: string) => lines.push(l) });
    const h = await startHarness({ db, config: { trustProxyHops: 1 }, logger });
    try {
      const base = await h.listen();
      const { app, writeKey } = await h.createApp();
      h.sink.mode = 'fail';
      const r = await fetch(`${base}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${writeKey}`,
          'x-forwarded-for': '6.6.6.6, 203.0.113.77',
        },
        body: JSON.stringify({
          hits: [{ app_id: app.appId, event_type: 'event', client_ip: '198.51.100.23' }],
        }),
      });
      expect(r.status).toBe(503);
    } finally {
      await h.close();
    }
    const log = lines.join('');
    expect(log).toContain('request refused');
    expect(log).toContain('203.0.113.0');
    expect(log).toContain('memory sink told to fail');
    for (const secret of ['203.0.113.77', '6.6.6.6', '198.51.100.23', 'altk_'])
      expect(log).not.toContain(secret);
  });

  it('with two hops, takes the second address from the right', async () => {
    expect(await clientIpWith(2, '6.6.6.6, 198.51.100.9, 10.0.0.1')).toBe('198.51.100.0');
  });
});

describe('keep-alive', () => {
  interface Answer {
    status: number;
    /** The status line and headers as sent. */
    head: string;
  }
  /** One keep-alive connection: `send` writes a request and resolves with the answer; `closed` tells whether the server ended it. */
  function keepAliveClient(port: number) {
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('latin1');
    let buffered = '';
    let closed = false;
    let waiting: ((a: Answer) => void) | undefined;
    socket.on('close', () => {
      closed = true;
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      waiting?.({ status: Number(head.slice(9, 12)), head });
    });
    const request = (text: string): Promise<Answer> =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.write(text);
      });
    return {
      request,
      /** A beacon post over HTTP/1.1; resolves with the status. */
      async send(body: string): Promise<number> {
        return (await post(body)).status;
      },
      post,
      /** Whether the server has closed the connection, after giving it a moment to. */
      async closed(): Promise<boolean> {
        await new Promise((r) => setTimeout(r, 100));
        return closed;
      },
      end: () => socket.destroy(),
    };
    function post(body: string, version = '1.1', extra = ''): Promise<Answer> {
      return request(
        `POST /v1/hits HTTP/${version}\r\nhost: 127.0.0.1\r\ncontent-type: text/plain\r\nuser-agent: ${CHROME_UA}\r\n` +
          `origin: https://a.example\r\n${extra}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  }

  it('answers a browser without Connection or Keep-Alive headers and keeps its connection', async () => {
    const beacon = await ensureBeacon(BEACON_DIST);
    const h = await startHarness({ db, beacon: loadBeaconAssets(BEACON_DIST) });
    try {
      const port = Number(new URL(await h.listen()).port);
      const { app, writeKey } = await h.createApp();
      const body = JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: 'https://a.example/' });
      const client = keepAliveClient(port);
      const answers = [await client.post(body), await client.post(body)];
      expect(answers.map((a) => a.status)).toEqual([202, 202]);
      for (const a of answers) expect(a.head).not.toMatch(/^(connection|keep-alive):/im);
      expect(h.sink.rows().filter((r) => r.app_id === app.appId)).toHaveLength(2);
      // The script, on the same connection, and still open after it.
      const script = await client.request(
        `GET /${beacon.file} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept-encoding: br\r\n\r\n`,
      );
      expect(script.status).toBe(200);
      expect(script.head).not.toMatch(/^(connection|keep-alive):/im);
      expect(await client.closed()).toBe(false);
      // A server client (/v1/batch) keeps the timeout hint: undici retires a socket before it.
      const batch = await client.request(
        `POST /v1/batch HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${writeKey}\r\n` +
          `content-length: ${Buffer.byteLength(`{"hits":[${body}]}`)}\r\n\r\n{"hits":[${body}]}`,
      );
      expect(batch.status).toBe(202);
      expect(batch.head).toMatch(/^keep-alive: timeout=65$/im);
      client.end();
      // HTTP/1.0 keeps a connection only when the answer says so.
      const old = keepAliveClient(port);
      const a10 = await old.post(body, '1.0', 'connection: keep-alive\r\n');
      expect(a10.status).toBe(202);
      expect(a10.head).toMatch(/^connection: keep-alive$/im);
      expect(await old.closed()).toBe(false);
      old.end();
      // A client that asks to close is told so, and the connection ends.
      const closing = keepAliveClient(port);
      expect((await closing.post(body, '1.1', 'connection: close\r\n')).head).toMatch(
        /^connection: close$/im,
      );
      expect(await closing.closed()).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('keeps the connection across 202s and closes it after a 503 overloaded', async () => {
    const h = await startHarness({ db });
    try {
      const port = Number(new URL(await h.listen()).port);
      const { app } = await h.createApp();
      const body = JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: 'https://a.example/' });
      const client = keepAliveClient(port);
      expect([await client.send(body), await client.send(body)]).toEqual([202, 202]);
      expect(await client.closed()).toBe(false);
      // Full: the refusal ends the connection, so a saturated collector sheds connections (the
      // client or load balancer reconnects, possibly elsewhere) instead of queueing new ones.
      h.sink.mode = 'full';
      expect(await client.send(body)).toBe(503);
      expect(await client.closed()).toBe(true);
      client.end();
    } finally {
      h.sink.mode = 'ok';
      await h.close();
    }
  });
});

/** Every row the local stream holds in `dir`, with its envelope kind. */
async function streamRows(dir: string): Promise<{ kind: number; row: LakeRow }[]> {
  const reader = await createSegmentLogReader(localStreamDir(dir), { retention: false });
  const rows: { kind: number; row: LakeRow }[] = [];
  for (let b = await reader.next(1000); b; b = await reader.next(1000)) {
    for (const rec of b.records) {
      const d = decodeEnvelope(rec.data);
      if (!d.ok) throw new Error(d.reason);
      for (const l of d.lines) rows.push({ kind: d.kind, row: JSON.parse(l) as LakeRow });
    }
    await reader.commit(b);
  }
  await reader.close();
  return rows;
}

describe('startCollector as the stack runs it behind an NLB (private port, no trusted hops)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alt-collector-nlb-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('keeps /healthz, /readyz and /metrics off the public port, and takes the client address from the socket', async () => {
    // What collector-user-data.ts sets behind an NLB: a private port, ALT_TRUST_PROXY_HOPS=0.
    const config = loadConfig(
      { dataDir: dir, port: '0', privatePort: '0', trustProxyHops: '0', logLevel: 'silent', stream: 'local' },
      {},
    );
    const setup = await openDatabase(config);
    const { app } = await createSqlRegistry(setup).create({ name: 'nlb' });
    await setup.close();
    const c = await startCollector(config);
    let stopped = false;
    try {
      expect(c.privateUrl).toBeDefined();
      expect(new URL(c.privateUrl as string).port).not.toBe(new URL(c.url).port);
      // Everything an NLB forwards reaches the public port, whatever the path.
      for (const path of ['/metrics', '/readyz', '/healthz', '/metrics?x=1', '//metrics']) {
        const r = await fetch(`${c.url}${path}`);
        expect(r.status, path).toBe(404);
        expect(await r.text(), path).not.toContain('alt_collector_');
      }
      expect((await fetch(`${c.privateUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${c.privateUrl}/readyz`)).status).toBe(200);
      // The private port serves nothing public.
      expect((await fetch(`${c.privateUrl}/v1/hits`, { method: 'POST', body: '{}' })).status).toBe(404);
      // A client's own X-Forwarded-For is ignored: with client IP preservation the socket's peer is
      // the client (here 127.0.0.1).
      const r = await fetch(`${c.url}/v1/hits`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': CHROME_UA, 'x-forwarded-for': '203.0.113.77' },
        body: JSON.stringify({ app_id: app.appId, event_type: 'pageview', url: 'https://a.example/' }),
      });
      expect(r.status).toBe(202);
      const metrics = await (await fetch(`${c.privateUrl}/metrics`)).text();
      expect(metrics).toMatch(/alt_collector_requests_total\{route="\/v1\/hits",status="202"\} 1/);
      expect(metrics).toMatch(/alt_collector_request_latency_p99_seconds [0-9.e-]+/);
      // Health checks are not traffic: the private port's requests are not counted.
      expect(metrics).not.toMatch(/alt_collector_requests_total\{route="\/readyz"/);
      expect(metrics).toMatch(/alt_collector_responses_4xx_total 5/);
      await c.stop();
      stopped = true;
    } finally {
      if (!stopped) await c.stop();
    }
    const lake = (await streamRows(dir)).filter((x) => x.kind === EnvelopeKind.LAKE_ROWS).map((x) => x.row);
    expect(lake.map((x) => x.client_ip)).toEqual(['127.0.0.0']);
  });

  it('refuses a private port equal to the public one', async () => {
    const config = loadConfig({ dataDir: dir, port: '18123', privatePort: '18123', stream: 'local' }, {});
    await expect(startCollector(config)).rejects.toThrow(/--private-port 18123 must differ from --port/);
  });
});

describe('startCollector (production wiring: PGlite registry, batcher, segment log)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alt-collector-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('acknowledges hits only once they are in the local stream, and drains on stop', async () => {
    const config = loadConfig({ dataDir: dir, port: '0', logLevel: 'silent', stream: 'local' }, {});
    const setup = await openDatabase(config);
    const { app, writeKey } = await createSqlRegistry(setup).create({ name: 'e2e' });
    await setup.close();

    const c = await startCollector(config);
    let stopped = false;
    try {
      const hits = Array.from({ length: 30 }, (_, i) => ({
        app_id: app.appId,
        event_type: 'pageview',
        url: `https://a.example/p/${i}`,
      }));
      const responses = await Promise.all([
        fetch(`${c.url}/v1/hits`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'user-agent': CHROME_UA },
          body: JSON.stringify(hits),
        }),
        fetch(`${c.url}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
          body: JSON.stringify({
            hits: [
              { app_id: app.appId, event_type: 'request', log_id: '0190b7a0-0000-7000-8000-0000000000bb' },
            ],
          }),
        }),
        fetch(`${c.url}/v1/hits`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'user-agent': 'curl/8.0' },
          body: JSON.stringify(hits[0]),
        }),
      ]);
      expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
      expect((await fetch(`${c.url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${c.url}/metrics`)).text();
      expect(metrics).toMatch(/alt_collector_flush_hits_count\{kind="lake_rows"\} [1-9]/);
      expect(metrics).toContain('alt_collector_process_cpu_seconds_total');
      await c.stop();
      stopped = true;
    } finally {
      if (!stopped) await c.stop();
    }

    const rows = await streamRows(dir);
    const lake = rows.filter((r) => r.kind === EnvelopeKind.LAKE_ROWS).map((r) => r.row);
    expect(lake).toHaveLength(31);
    expect(new Set(lake.map((r) => r.url))).toContain('https://a.example/p/29');
    expect(lake.find((r) => r.source === 'server')?.log_id).toBe('0190b7a0-0000-7000-8000-0000000000bb');
    expect(rows.filter((r) => r.kind === EnvelopeKind.DROPPED_BOTS)).toHaveLength(1);
  });
});
