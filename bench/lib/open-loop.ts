/**
 * The open-loop, fixed-rate load generator. Requests leave on a precomputed schedule whether or
 * not earlier ones have been answered, and each latency is counted from the request's INTENDED send
 * time, so server-side queueing shows up in the percentiles (a closed-loop tool would wait and hide
 * it: coordinated omission).
 *
 * Connections: `pool` shares K keep-alive connections (a free one takes the next request);
 * `pinned` sends request i on connection i mod K, which forces all K connections open and in use
 * (the 10,000-connection run). Transport: `raw` (bench/lib/raw-transport.ts) when asked for, else
 * undici (a devDependency) when it can be loaded, else `node:http` with a keep-alive Agent per
 * connection.
 */
import http from 'node:http';
import { buildSchedule, type LatencySummary, summarize } from './percentiles.ts';
import { createRawTransport } from './raw-transport.ts';

export interface OpenLoopOptions {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  ratePerSec: number;
  durationSec: number;
  connections: number;
  mode: 'pool' | 'pinned';
  /**
   * `raw` (bench/lib/raw-transport.ts: net sockets, request bytes built once) costs the client least;
   * without it, undici when it can be loaded, else `node:http`.
   */
  transport?: 'raw' | 'undici' | 'node:http';
  /** A request not answered within this is counted as a timeout error. */
  timeoutMs?: number;
  /**
   * Seconds at the same rate before measuring (JIT and connection set-up on both sides, with the
   * same client process and connections); not counted in the result, summarized in its `warmup`.
   */
  warmupSec?: number;
  /**
   * At most this many requests unanswered at once; one due beyond it is not sent and counts as a
   * `client-backlog` error. Without it a server far slower than the rate makes the client queue
   * grow without end (the run outlasts its duration, the client runs out of memory); with it a
   * long run against a server that falls behind ends on time and shows failures, as the users
   * giving up would. Unbounded when omitted.
   */
  maxInFlight?: number;
  /**
   * Also summarize every `windowSec` of the schedule on its own (requests by intended send time),
   * so a long run shows when latency went bad instead of one percentile over all of it.
   */
  windowSec?: number;
}

/** How `open-loop-cli.ts` prefixes each window it prints on stderr. */
export const WINDOW_PREFIX = 'OPEN_LOOP_WINDOW ';

/** One window of a long run: the requests due in `[fromSec, fromSec + windowSec)`. */
export interface OpenLoopWindow {
  fromSec: number;
  intended: number;
  /** 2xx responses. */
  ok: number;
  /** Answered outside 2xx. */
  non2xx: number;
  /** Failures without a response (socket errors, timeouts). */
  errorCount: number;
  latency: LatencySummary;
}

export interface OpenLoopResult {
  transport: 'raw' | 'undici' | 'node:http';
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
  /** With `windowSec`: one summary per window, in order. */
  windows?: OpenLoopWindow[];
  /** With `warmupSec`: the warm-up on its own (its requests are in no other figure). */
  warmup?: OpenLoopWindow;
  /**
   * With `windowSec`: the p99 (ms) of each `FINE_WINDOW_SEC` of the schedule (NaN where nothing was
   * answered), to line a bad minute up with what the server was doing at that moment.
   */
  fineP99?: { windowSec: number; p99: number[] };
}

/** The span of `fineP99`'s windows: the sustained bench samples the server every 5 s too. */
export const FINE_WINDOW_SEC = 5;

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
  if (o.transport === 'raw') {
    const raw = createRawTransport({ ...o, method, timeoutMs });
    return { name: 'raw', send: raw.send, close: raw.close };
  }
  const undici = o.transport === 'node:http' ? null : await loadUndici();
  if (o.transport === 'undici' && !undici) throw new Error('undici could not be loaded');
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

/**
 * `onWindow` is called with each window once all of its requests are settled (in order), for live
 * progress on a long run.
 */
export async function runOpenLoop(
  o: OpenLoopOptions,
  onWindow?: (w: OpenLoopWindow) => void,
): Promise<OpenLoopResult> {
  const transport = await createTransport(o);
  try {
    const warm = o.warmupSec
      ? await runPhase({ ...o, windowSec: undefined }, transport, o.warmupSec)
      : undefined;
    const result = await runPhase(o, transport, o.durationSec, onWindow);
    if (!warm) return result;
    const warmup: OpenLoopWindow = {
      fromSec: -(o.warmupSec ?? 0),
      intended: warm.intended,
      ok: warm.ok,
      non2xx: warm.sent - warm.ok - warm.errorCount,
      errorCount: warm.errorCount + (warm.intended - warm.sent),
      latency: warm.latency,
    };
    return { ...result, warmup };
  } finally {
    await transport.close();
  }
}

async function runPhase(
  o: OpenLoopOptions,
  transport: Transport,
  durationSec: number,
  onWindow?: (w: OpenLoopWindow) => void,
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
  const windows = o.windowSec ? createWindows(schedule, o.windowSec, onWindow) : undefined;
  const t0 = performance.now();

  const fire = (i: number) => {
    const intended = t0 + schedule[i];
    lags[i] = performance.now() - intended;
    if (o.maxInFlight !== undefined && inflight.size >= o.maxInFlight) {
      errorCount++;
      errors['client-backlog'] = (errors['client-backlog'] ?? 0) + 1;
      windows?.settled(i, Number.NaN, 0);
      return;
    }
    const p = transport.send(i).then(
      (status) => {
        const ms = performance.now() - intended;
        latencies[answered++] = ms;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) ok++;
        if (perConn) perConn[i % o.connections]++;
        windows?.settled(i, ms, status);
      },
      (err) => {
        errorCount++;
        const c = errorCode(err);
        errors[c] = (errors[c] ?? 0) + 1;
        windows?.settled(i, Number.NaN, 0);
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
      windows?.sentUpTo(next);
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
    windows: windows?.all(),
    fineP99: windows ? { windowSec: FINE_WINDOW_SEC, p99: windows.fineP99(FINE_WINDOW_SEC) } : undefined,
  };
}

/**
 * Per-window bookkeeping: each request's latency (NaN: no answer) and status by its index, and a
 * count of the unsettled ones per window, so a window is summarized as soon as it is complete.
 */
function createWindows(schedule: Float64Array, windowSec: number, onWindow?: (w: OpenLoopWindow) => void) {
  const span = windowSec * 1000;
  const count = schedule.length ? Math.floor(schedule[schedule.length - 1] / span) + 1 : 1;
  const windowOf = (i: number) => Math.min(count - 1, Math.floor(schedule[i] / span));
  // The first request index of each window, and one past the last.
  const bounds = new Uint32Array(count + 1).fill(schedule.length);
  for (let i = schedule.length - 1; i >= 0; i--) bounds[windowOf(i)] = i;
  for (let w = count - 1; w >= 0; w--) bounds[w] = Math.min(bounds[w], bounds[w + 1]);
  const latency = new Float64Array(schedule.length).fill(Number.NaN);
  const status = new Uint16Array(schedule.length);
  const unsettled = new Uint32Array(count);
  for (let w = 0; w < count; w++) unsettled[w] = bounds[w + 1] - bounds[w];
  const done: OpenLoopWindow[] = [];
  let sent = 0;

  const summary = (w: number): OpenLoopWindow => {
    const answered: number[] = [];
    let ok = 0;
    let non2xx = 0;
    let errorCount = 0;
    for (let i = bounds[w]; i < bounds[w + 1]; i++) {
      if (status[i] === 0) errorCount++;
      else {
        answered.push(latency[i]);
        if (status[i] >= 200 && status[i] < 300) ok++;
        else non2xx++;
      }
    }
    return {
      fromSec: w * windowSec,
      intended: bounds[w + 1] - bounds[w],
      ok,
      non2xx,
      errorCount,
      latency: summarize(answered),
    };
  };
  const flush = () => {
    while (done.length < count && unsettled[done.length] === 0 && sent >= bounds[done.length + 1]) {
      const w = summary(done.length);
      done.push(w);
      onWindow?.(w);
    }
  };
  return {
    settled(i: number, ms: number, httpStatus: number) {
      latency[i] = ms;
      status[i] = httpStatus;
      unsettled[windowOf(i)]--;
      flush();
    },
    sentUpTo(n: number) {
      sent = n;
      flush();
    },
    all: () => done,
    /** The p99 of each `sec` of the schedule, from every latency recorded so far. */
    fineP99(sec: number): number[] {
      const fine = sec * 1000;
      const n = schedule.length ? Math.floor(schedule[schedule.length - 1] / fine) + 1 : 0;
      const buckets: number[][] = Array.from({ length: n }, () => []);
      for (let i = 0; i < schedule.length; i++) {
        if (!Number.isNaN(latency[i])) buckets[Math.floor(schedule[i] / fine)].push(latency[i]);
      }
      return buckets.map((b) => (b.length ? summarize(b).p99 : Number.NaN));
    },
  };
}
