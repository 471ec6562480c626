/**
 * The open-loop, fixed-rate load generator. Requests leave on a precomputed schedule whether or
 * not earlier ones have been answered, and each latency is counted from the request's INTENDED send
 * time, so server-side queueing shows up in the percentiles (a closed-loop tool would wait and hide
 * it: coordinated omission).
 *
 * Connections: `pool` shares K keep-alive connections (a free one takes the next request);
 * `pinned` sends request i on connection i mod K, which forces all K connections open and in use
 * (the 10,000-connection run). Transport: undici when it can be loaded (it is in node_modules as a
 * transitive dependency), else `node:http` with a keep-alive Agent per connection.
 */
import http from 'node:http';
import { buildSchedule, type LatencySummary, summarize } from './percentiles.ts';

export interface OpenLoopOptions {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  ratePerSec: number;
  durationSec: number;
  connections: number;
  mode: 'pool' | 'pinned';
  /** A request not answered within this is counted as a timeout error. */
  timeoutMs?: number;
  /** Seconds at the same rate before measuring (JIT and connection set-up on both sides); not counted. */
  warmupSec?: number;
}

export interface OpenLoopResult {
  transport: 'undici' | 'node:http';
  intended: number;
  sent: number;
  /** 2xx responses. */
  ok: number;
  statuses: Record<string, number>;
  /** Failures without a response, by error code. */
  errors: Record<string, number>;
  errorCount: number;
  /** Latency (ms from intended send time) of every answered request. */
  latency: LatencySummary;
  /** How late the generator itself sent requests (ms): if large, the client was the bottleneck. */
  sendLag: LatencySummary;
  achievedRatePerSec: number;
  /** Pinned mode: connections that got at least one / at least two answers. */
  connectionsAnswered?: number;
  connectionsReused?: number;
  wallSec: number;
}

type Send = (conn: number) => Promise<number>;

interface Transport {
  name: OpenLoopResult['transport'];
  send: Send;
  close(): Promise<void>;
}

interface UndiciLike {
  Pool: new (origin: string, opts: Record<string, unknown>) => UndiciDispatcher;
  Client: new (origin: string, opts: Record<string, unknown>) => UndiciDispatcher;
}
interface UndiciDispatcher {
  request(opts: Record<string, unknown>): Promise<{ statusCode: number; body: { dump(): Promise<void> } }>;
  close(): Promise<void>;
}

async function loadUndici(): Promise<UndiciLike | null> {
  const name = 'undici';
  try {
    return (await import(name)) as UndiciLike;
  } catch {
    return null;
  }
}

async function createTransport(o: OpenLoopOptions): Promise<Transport> {
  const u = new URL(o.url);
  const path = `${u.pathname}${u.search}`;
  const method = o.method ?? (o.body === undefined ? 'GET' : 'POST');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const undici = await loadUndici();
  if (undici) {
    const opts = {
      pipelining: 1,
      keepAliveTimeout: 120_000,
      keepAliveMaxTimeout: 120_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connectTimeout: timeoutMs,
    };
    const dispatchers =
      o.mode === 'pool'
        ? [new undici.Pool(u.origin, { ...opts, connections: o.connections })]
        : Array.from({ length: o.connections }, () => new undici.Client(u.origin, opts));
    return {
      name: 'undici',
      async send(conn) {
        const d = dispatchers.length === 1 ? dispatchers[0] : dispatchers[conn % dispatchers.length];
        const res = await d.request({ path, method, headers: o.headers, body: o.body });
        await res.body.dump();
        return res.statusCode;
      },
      async close() {
        await Promise.all(dispatchers.map((d) => d.close()));
      },
    };
  }
  const agents =
    o.mode === 'pool'
      ? [new http.Agent({ keepAlive: true, maxSockets: o.connections })]
      : Array.from({ length: o.connections }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  return {
    name: 'node:http',
    send(conn) {
      const agent = agents.length === 1 ? agents[0] : agents[conn % agents.length];
      return new Promise((resolve, reject) => {
        const req = http.request(
          { host: u.hostname, port: u.port, path, method, headers: o.headers, agent, timeout: timeoutMs },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
        req.on('error', reject);
        req.end(o.body);
      });
    },
    async close() {
      for (const a of agents) a.destroy();
    },
  };
}

const errorCode = (err: unknown): string => {
  const e = err as { code?: string; name?: string };
  return e?.code ?? e?.name ?? 'error';
};

export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const transport = await createTransport(o);
  try {
    if (o.warmupSec) await runPhase(o, transport, o.warmupSec);
    return await runPhase(o, transport, o.durationSec);
  } finally {
    await transport.close();
  }
}

async function runPhase(
  o: OpenLoopOptions,
  transport: Transport,
  durationSec: number,
): Promise<OpenLoopResult> {
  const schedule = buildSchedule(o.ratePerSec, durationSec);
  const latencies = new Float64Array(schedule.length);
  const lags = new Float64Array(schedule.length);
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const perConn = o.mode === 'pinned' ? new Uint32Array(o.connections) : undefined;
  let answered = 0;
  let ok = 0;
  let errorCount = 0;
  let next = 0;
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();

  const fire = (i: number) => {
    const intended = t0 + schedule[i];
    lags[i] = performance.now() - intended;
    const p = transport.send(i).then(
      (status) => {
        latencies[answered++] = performance.now() - intended;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
        if (perConn) perConn[i % o.connections]++;
      },
      (err) => {
        errorCount++;
        const c = errorCode(err);
        errors[c] = (errors[c] ?? 0) + 1;
      },
    );
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
  };

  // Send everything that is due, then sleep until the next due time (timers are ~1 ms coarse, so
  // a few requests leave together; their lateness is counted against the result, not hidden).
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      while (next < schedule.length && schedule[next] <= now) fire(next++);
      if (next >= schedule.length) return resolve();
      setTimeout(tick, Math.max(0, schedule[next] - (performance.now() - t0) - 0.5));
    };
    tick();
  });
  await Promise.all(inflight);
  const wallSec = (performance.now() - t0) / 1000;
  let connectionsAnswered: number | undefined;
  let connectionsReused: number | undefined;
  if (perConn) {
    connectionsAnswered = 0;
    connectionsReused = 0;
    for (const n of perConn) {
      if (n >= 1) connectionsAnswered++;
      if (n >= 2) connectionsReused++;
    }
  }
  return {
    transport: transport.name,
    intended: schedule.length,
    sent: next,
    ok,
    statuses,
    errors,
    errorCount,
    latency: summarize(latencies.subarray(0, answered)),
    sendLag: summarize(lags),
    achievedRatePerSec: answered / durationSec,
    connectionsAnswered,
    connectionsReused,
    wallSec,
  };
}
