import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runOpenLoop } from './open-loop.ts';

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
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

describe('open-loop generator against a real HTTP server', () => {
  it('counts queueing behind a stall from the intended send time (no coordinated omission)', async () => {
    const url = await start(600, new Set());
    // One connection, 100 req/s for 1 s: the first request stalls 600 ms and everything sent
    // meanwhile queues behind it. A closed-loop tool would report ~1 ms for most of these.
    const r = await runOpenLoop({
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
    const r = await runOpenLoop({
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
    const r = await runOpenLoop({
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
    const r = await runOpenLoop({
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
    const f = await runOpenLoop({
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
    const r = await runOpenLoop(
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
    const r = await runOpenLoop({
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
});
