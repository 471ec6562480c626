import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenLoopOptions, type OpenLoopWindow, runOpenLoop } from './open-loop.ts';
import { parseAnswer } from './raw-transport.ts';

let server: http.Server | undefined;
afterEach(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A server that holds its first request for `stallMs`, then answers everything at once. */
async function start(stallMs: number, ports: Set<number>, statusOf = (_n: number) => 204) {
  let n = 0;
  server = http.createServer((req, res) => {
    ports.add(req.socket.remotePort!);
    const i = n++;
    req.resume();
    req.on('end', () => setTimeout(() => res.writeHead(statusOf(i)).end(), i === 0 ? stallMs : 0));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1/hits`;
}

describe.each(['undici', 'raw'] as const)(
  'open-loop generator (%s) against a real HTTP server',
  (transport) => {
    const run = (o: OpenLoopOptions, onWindow?: (w: OpenLoopWindow) => void) =>
      runOpenLoop({ ...o, transport }, onWindow);

    it('counts queueing behind a stall from the intended send time (no coordinated omission)', async () => {
      const url = await start(600, new Set());
      // One connection, 100 req/s for 1 s: the first request stalls 600 ms and everything sent
      // meanwhile queues behind it. A closed-loop tool would report ~1 ms for most of these.
      const r = await run({
        url,
        body: '{}',
        ratePerSec: 100,
        durationSec: 1,
        connections: 1,
        mode: 'pool',
      });
      expect(r.intended).toBe(100);
      expect(r.ok).toBe(100);
      expect(r.statuses).toEqual({ '204': 100 });
      expect(r.errorCount).toBe(0);
      expect(r.latency.max).toBeGreaterThanOrEqual(590);
      // The requests due in the first 300 ms waited at least 300 ms each: a third or more of them.
      expect(r.latency.p50).toBeGreaterThanOrEqual(100);
    });

    it('keeps a warm-up out of the result and summarizes it on its own', async () => {
      // The very first request (in the warm-up) stalls 400 ms; the measured second is not held up.
      const url = await start(400, new Set());
      const r = await run({
        url,
        body: '{}',
        ratePerSec: 100,
        durationSec: 0.5,
        warmupSec: 0.5,
        connections: 1,
        mode: 'pool',
      });
      expect(r.warmup).toMatchObject({ fromSec: -0.5, intended: 50, ok: 50, non2xx: 0, errorCount: 0 });
      expect(r.warmup!.latency.max).toBeGreaterThanOrEqual(390);
      expect(r.intended).toBe(50);
      expect(r.latency.max).toBeLessThan(r.warmup!.latency.max);
    });

    it('pinned mode keeps every connection open and in use', async () => {
      const ports = new Set<number>();
      const url = await start(0, ports);
      const r = await run({
        url,
        body: '{}',
        ratePerSec: 200,
        durationSec: 0.5,
        connections: 25,
        mode: 'pinned',
      });
      expect(r.ok).toBe(100);
      expect(r.connectionsAnswered).toBe(25);
      expect(r.connectionsReused).toBe(25);
      expect(ports.size).toBe(25);
    });

    it('reports non-2xx answers and refused connections apart from successes', async () => {
      const url = await start(0, new Set(), (i) => (i % 2 ? 503 : 202));
      const r = await run({
        url,
        body: '{}',
        ratePerSec: 100,
        durationSec: 0.2,
        connections: 2,
        mode: 'pool',
      });
      expect(r.statuses).toEqual({ '202': 10, '503': 10 });
      expect(r.ok).toBe(10);
      const closed = url.replace(/:\d+\//, ':1/');
      const f = await run({
        url: closed,
        body: '{}',
        ratePerSec: 50,
        durationSec: 0.1,
        connections: 1,
        mode: 'pool',
      });
      expect(f.ok).toBe(0);
      expect(f.errorCount).toBe(5);
      expect(f.latency.count).toBe(0);
    });

    it('summarizes each window of the schedule on its own, as soon as it is complete', async () => {
      // 100 req/s for 1 s in windows of 0.25 s; the first request stalls 400 ms, so only the
      // first two windows queue behind it, and request 30 (in the second window) is refused.
      const url = await start(400, new Set(), (i) => (i === 30 ? 503 : 202));
      const seen: number[] = [];
      const r = await run(
        { url, body: '{}', ratePerSec: 100, durationSec: 1, connections: 1, mode: 'pool', windowSec: 0.25 },
        (w) => seen.push(w.fromSec),
      );
      expect(seen).toEqual([0, 0.25, 0.5, 0.75]);
      const w = r.windows!;
      expect(w.map((x) => x.intended)).toEqual([25, 25, 25, 25]);
      expect(w.reduce((a, x) => a + x.ok, 0)).toBe(99);
      expect(w.map((x) => x.non2xx)).toEqual([0, 1, 0, 0]);
      expect(w.every((x) => x.errorCount === 0)).toBe(true);
      expect(w[0].latency.max).toBeGreaterThanOrEqual(390);
      expect(w[3].latency.p99).toBeLessThan(w[0].latency.p99);
      // One 5-s fine window covers the whole 1-s run: its p99 is the run's.
      expect(r.fineP99).toEqual({ windowSec: 5, p99: [r.latency.p99] });
    });

    it('with maxInFlight, sends nothing beyond the bound and counts those requests as failed', async () => {
      // The first request stalls 300 ms, longer than the 200-ms run: the bound of 5 fills up.
      const url = await start(300, new Set());
      const r = await run({
        url,
        body: '{}',
        ratePerSec: 100,
        durationSec: 0.2,
        connections: 1,
        mode: 'pool',
        maxInFlight: 5,
      });
      expect(r.ok).toBe(5);
      expect(r.errors).toEqual({ 'client-backlog': 15 });
      expect(r.errorCount).toBe(15);
    });
  },
);

describe('raw transport', () => {
  const base = {
    body: '{"a":1}',
    ratePerSec: 100,
    durationSec: 0.2,
    mode: 'pool' as const,
    transport: 'raw' as const,
  };

  it('sends the body and headers, reads answers with bodies, and reuses one keep-alive connection', async () => {
    const ports = new Set<number>();
    const seen: { body: string; type?: string; length?: string }[] = [];
    server = http.createServer((req, res) => {
      ports.add(req.socket.remotePort!);
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen.push({ body, type: req.headers['content-type'], length: req.headers['content-length'] });
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-length': '14' })
          .end('{"accepted":1}');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/batch`;
    const r = await runOpenLoop({ ...base, url, connections: 1, headers: { 'content-type': 'text/plain' } });
    expect(r.transport).toBe('raw');
    expect(r.errors).toEqual({});
    expect(r.statuses).toEqual({ '200': 20 });
    expect(ports.size).toBe(1);
    expect(seen[0]).toEqual({ body: '{"a":1}', type: 'text/plain', length: '7' });
  });

  it('reconnects after the server closes a connection, and honours Connection: close', async () => {
    const ports = new Set<number>();
    let n = 0;
    server = http.createServer((req, res) => {
      ports.add(req.socket.remotePort!);
      req.resume();
      // Every fourth answer closes its connection.
      req.on('end', () => res.writeHead(204, ++n % 4 === 0 ? { connection: 'close' } : {}).end());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/hits`;
    const r = await runOpenLoop({ ...base, url, connections: 1 });
    expect(r.ok).toBe(20);
    expect(r.errorCount).toBe(0);
    expect(ports.size).toBe(5);
  });

  it('fails a request the server never answers after timeoutMs, and one whose chunks never end', async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/chunked') req.on('end', () => res.writeHead(200).write('part'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const silent = await runOpenLoop({
      ...base,
      url: `http://127.0.0.1:${port}/silent`,
      durationSec: 0.05,
      connections: 5,
      timeoutMs: 300,
    });
    expect(silent.ok).toBe(0);
    expect(silent.errors).toEqual({ ETIMEDOUT: 5 });
    const chunked = await runOpenLoop({
      ...base,
      url: `http://127.0.0.1:${port}/chunked`,
      durationSec: 0.05,
      connections: 5,
      timeoutMs: 300,
    });
    expect(chunked.errors).toEqual({ ETIMEDOUT: 5 });
  });
});

describe('parseAnswer', () => {
  it('reads status, whole length and close; waits for an incomplete head', () => {
    expect(parseAnswer(Buffer.from('HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n'))).toEqual({
      status: 202,
      length: 44,
      close: false,
    });
    expect(
      parseAnswer(
        Buffer.from('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 5\r\nConnection: close\r\n\r\nab'),
      ),
    ).toMatchObject({
      status: 413,
      close: true,
    });
    expect(parseAnswer(Buffer.from('HTTP/1.1 202 Accepted\r\ncontent-le'))).toBeUndefined();
    const chunked = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n0\r\n\r\r\n0\r\n\r\n';
    expect(parseAnswer(Buffer.from(chunked))).toEqual({ status: 200, length: chunked.length, close: false });
    expect(parseAnswer(Buffer.from(chunked.slice(0, -2)))).toBeUndefined();
    expect(parseAnswer(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toBeInstanceOf(Error);
  });
});
