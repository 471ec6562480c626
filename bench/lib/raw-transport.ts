/**
 * The open-loop generator's lean HTTP/1.1 transport: keep-alive `net` sockets, one request in
 * flight per connection, the request's bytes built once, answers parsed from their status line and
 * `content-length`. A load generator must cost its measurement little; undici's per-request objects
 * (its request, handler, body stream and parser callbacks) did not: with 512 connections its own
 * scavenges paused p50 ~21 ms and promoted ~12 MB each, so at 5,000 req/s the client, not the
 * server, sent late by p99 16–19 ms and a server answering at once measured p99 27–36 ms
 * (bench/experiments/scavenge-level.ts against the Fastify skeleton, docs/performance.md).
 *
 * Connections as undici's pool hands them out, so runs stay comparable: `pool` gives a request to
 * the first (lowest-numbered) free connection, opens a new one while fewer than K exist, and queues
 * it otherwise; `pinned` sends request i on connection i mod K, queueing behind that connection's
 * own. Answers are read to their `content-length` or the end of their chunks. An idle connection is closed by the client before the server's keep-alive
 * timeout (the collector's default is 65 s) so a request never races the server's close.
 */
import { connect, type Socket } from 'node:net';

export interface RawTransportOptions {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  mode: 'pool' | 'pinned';
  timeoutMs: number;
  /** Close a connection idle this long (client side), below the server's keep-alive timeout. */
  idleCloseMs?: number;
}

export interface RawTransport {
  send(i: number): Promise<number>;
  close(): Promise<void>;
}

interface Waiter {
  resolve: (status: number) => void;
  reject: (err: Error) => void;
}

interface Conn {
  socket: Socket | null;
  waiter: Waiter | null;
  startedMs: number;
  lastUsedMs: number;
  /** Bytes of the answer so far (only when it came in more than one chunk). */
  pending: Buffer | null;
  /** Requests queued behind this connection (`pinned`). */
  queue: Waiter[];
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

function failure(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Where a chunked body that starts at `from` ends (one past its last byte); undefined while
 * incomplete. Trailers are not supported.
 */
function chunkedEnd(buf: Buffer, from: number): number | undefined | Error {
  let at = from;
  for (;;) {
    const eol = buf.indexOf('\r\n', at, 'latin1');
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.toString('latin1', at, eol), 16);
    if (!Number.isFinite(size)) return failure('bad chunk size', 'EPROTO');
    if (size === 0) {
      if (buf.length < eol + 4) return undefined;
      return buf.toString('latin1', eol + 2, eol + 4) === '\r\n'
        ? eol + 4
        : failure('trailers are not supported', 'EPROTO');
    }
    at = eol + 2 + size + 2;
    if (buf.length < at) return undefined;
    if (buf.toString('latin1', at - 2, at) !== '\r\n') return failure('chunk not followed by CRLF', 'EPROTO');
  }
}

/**
 * Parses one answer; undefined while incomplete. Only what the generator needs: status, whole
 * length (head + body, by `content-length` or chunked framing) and whether the server will close.
 */
export function parseAnswer(
  buf: Buffer,
): { status: number; length: number; close: boolean } | undefined | Error {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return buf.length > 64 * 1024 ? failure('answer head over 64 KiB', 'EPROTO') : undefined;
  const head = buf.toString('latin1', 0, end).toLowerCase();
  if (!head.startsWith('http/1.')) return failure(`not an HTTP/1 answer: ${head.slice(0, 40)}`, 'EPROTO');
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/.test(head) || head.startsWith('http/1.0');
  if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    const length = chunkedEnd(buf, end + 4);
    return length === undefined || length instanceof Error ? length : { status, length, close };
  }
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  return { status, length: end + 4 + (cl ? Number(cl[1]) : 0), close };
}

export function createRawTransport(o: RawTransportOptions): RawTransport {
  const u = new URL(o.url);
  if (u.protocol !== 'http:') throw new Error(`raw transport: http only, got ${u.protocol}`);
  const port = Number(u.port || 80);
  const body = o.body === undefined ? undefined : Buffer.from(o.body);
  const lines = [`${o.method} ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`];
  for (const [k, v] of Object.entries(o.headers ?? {})) lines.push(`${k}: ${v}`);
  if (body) lines.push(`content-length: ${body.length}`);
  const request = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body ?? Buffer.alloc(0)]);
  const idleCloseMs = o.idleCloseMs ?? 60_000;

  const conns: Conn[] = [];
  const poolQueue: Waiter[] = [];
  let poolHead = 0;
  let closed = false;

  const newConn = (): Conn => {
    const c: Conn = { socket: null, waiter: null, startedMs: 0, lastUsedMs: 0, pending: null, queue: [] };
    conns.push(c);
    return c;
  };

  const fail = (c: Conn, err: Error) => {
    const w = c.waiter;
    c.waiter = null;
    c.pending = null;
    if (c.socket) {
      c.socket.destroy();
      c.socket = null;
    }
    w?.reject(err);
    next(c);
  };

  const open = (c: Conn): Socket => {
    const s = connect({ host: u.hostname, port, noDelay: true });
    s.on('data', (chunk: Buffer) => onData(c, s, chunk));
    s.on('error', (err) => {
      if (c.socket === s) fail(c, err);
    });
    s.on('close', () => {
      if (c.socket !== s) return;
      c.socket = null;
      if (c.waiter) fail(c, failure('connection closed before the answer', 'ECONNRESET'));
    });
    return s;
  };

  const onData = (c: Conn, s: Socket, chunk: Buffer) => {
    if (c.socket !== s) return;
    if (!c.waiter) return fail(c, failure('answer without a request', 'EPROTO'));
    const buf = c.pending ? Buffer.concat([c.pending, chunk]) : chunk;
    const a = parseAnswer(buf);
    if (a === undefined) {
      c.pending = buf;
      return;
    }
    if (a instanceof Error) return fail(c, a);
    if (buf.length < a.length) {
      c.pending = buf;
      return;
    }
    if (buf.length > a.length) return fail(c, failure('more bytes than one answer', 'EPROTO'));
    c.pending = null;
    const w = c.waiter;
    c.waiter = null;
    c.lastUsedMs = performance.now();
    if (a.close) {
      s.destroy();
      c.socket = null;
    }
    w.resolve(a.status);
    next(c);
  };

  const start = (c: Conn, w: Waiter) => {
    c.waiter = w;
    c.startedMs = performance.now();
    c.socket ??= open(c);
    c.socket.write(request);
  };

  /** A connection just became free: the next request queued for it, if any. */
  const next = (c: Conn) => {
    if (closed) return;
    if (o.mode === 'pinned') {
      const w = c.queue.shift();
      if (w) start(c, w);
      return;
    }
    if (poolHead < poolQueue.length) {
      const w = poolQueue[poolHead]!;
      poolQueue[poolHead++] = undefined as unknown as Waiter;
      if (poolHead > 1024 && poolHead * 2 > poolQueue.length) {
        poolQueue.splice(0, poolHead);
        poolHead = 0;
      }
      start(c, w);
    }
  };

  // One sweep for timeouts and idle closes instead of a timer per request.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const c of conns) {
      if (c.waiter && now - c.startedMs > o.timeoutMs) {
        fail(c, failure(`no answer within ${o.timeoutMs} ms`, 'ETIMEDOUT'));
      } else if (!c.waiter && c.socket && now - c.lastUsedMs > idleCloseMs) {
        c.socket.destroy();
        c.socket = null;
      }
    }
  }, 250);
  sweep.unref();

  return {
    send(i) {
      return new Promise<number>((resolve, reject) => {
        if (closed) return reject(failure('transport closed', 'ECLOSED'));
        const w: Waiter = { resolve, reject };
        if (o.mode === 'pinned') {
          const k = i % o.connections;
          while (conns.length <= k) newConn();
          const c = conns[k]!;
          if (c.waiter) c.queue.push(w);
          else start(c, w);
          return;
        }
        for (const c of conns) {
          if (!c.waiter) return start(c, w);
        }
        if (conns.length < o.connections) return start(newConn(), w);
        poolQueue.push(w);
      });
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      const err = failure('transport closed', 'ECLOSED');
      for (const w of poolQueue.slice(poolHead)) w?.reject(err);
      for (const c of conns) {
        for (const w of c.queue) w.reject(err);
        c.queue = [];
        if (c.waiter) fail(c, err);
        c.socket?.destroy();
        c.socket = null;
      }
    },
  };
}
