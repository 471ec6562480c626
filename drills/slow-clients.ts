/**
 * Drill 6: slowloris. Many connections trickle a request one byte at a time — half stuck in the
 * headers, half in a declared body — while good `/v1/batch` traffic flows. Good requests must still
 * be acknowledged within a bound; the server must end every slow connection (a 4xx or a close)
 * within the drill's window, and stay up.
 */
import { connect, type Socket } from 'node:net';
import { startBatchLoad } from './lib/batch-load.ts';
import { startDrillCollector } from './lib/collector-proc.ts';
import { type Drill, drillDirs, sleep } from './lib/drill.ts';
import { statusOf } from './lib/kinesis-setup.ts';
import { transformAndMeasure } from './lib/lake.ts';
import { segmentLogReader } from './lib/readers.ts';
import { check, judgeLoad } from './lib/verdict.ts';

/** A good request slower than this fails the drill. */
const ACK_BOUND_MS = 2_000;

interface Slow {
  kind: 'headers' | 'body';
  socket: Socket;
  /** Status line the server sent, if any. */
  status: number;
  closedAfterMs: number | null;
}

function startSlow(port: number, kind: Slow['kind'], byteEveryMs: number, t0: number): Slow {
  // Both take longer to send than any window here (headers ~1 KiB, body 60 KB at 2 bytes/s):
  // only the server can end them early.
  const body = `"${'x'.repeat(60_000)}"`;
  const head = `POST /v1/hits HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nX-Pad: ${'p'.repeat(1000)}\r\n\r\n`;
  const socket = connect(port, '127.0.0.1');
  const s: Slow = { kind, socket, status: 0, closedAfterMs: null };
  // Header tricklers send the request line and then the headers byte by byte; body tricklers send
  // all headers at once and then the body byte by byte.
  const pending = kind === 'headers' ? head + body : body;
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    if (kind === 'body') socket.write(head);
    timer = setInterval(() => {
      if (i < pending.length && !socket.destroyed) socket.write(pending[i++]);
    }, byteEveryMs);
  });
  socket.on('data', (d) => {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(d.toString('latin1'));
    if (m && s.status === 0) s.status = Number(m[1]);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    clearInterval(timer);
    s.closedAfterMs = Date.now() - t0;
  });
  return s;
}

export const slowClientsDrill: Drill = {
  id: 'slow-clients',
  title: 'slow clients (slowloris) beside good traffic',
  async run(ctx) {
    const { cdir, tdir } = drillDirs(ctx);
    const n = ctx.quick ? 200 : 1_000;
    // Full run: past the server's header timeout (66 s) plus Node's 30 s timeout-check interval.
    const windowMs = ctx.quick ? 20_000 : 100_000;
    const c = await startDrillCollector(cdir);
    const t0 = Date.now();
    const slow: Slow[] = Array.from({ length: n }, (_, i) =>
      startSlow(c.info.port, i % 2 === 0 ? 'headers' : 'body', 500, t0),
    );
    try {
      const load = startBatchLoad({ ...c.info, concurrency: 4, hitsPerRequest: 10, pauseMs: 20 });
      await sleep(windowMs);
      const healthy = await statusOf(c.info.port, '/healthz');
      const r = await load.stop();
      const open = slow.filter((s) => s.closedAfterMs === null);
      const by = (k: Slow['kind']) => {
        const of = slow.filter((s) => s.kind === k);
        const closed = of.filter((s) => s.closedAfterMs !== null);
        const statuses: Record<string, number> = {};
        for (const s of closed) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
        const slowest = Math.max(0, ...closed.map((s) => s.closedAfterMs ?? 0));
        return { connections: of.length, endedByServer: closed.length, statuses, slowestCloseMs: slowest };
      };
      const headers = by('headers');
      const bodies = by('body');
      const badAnswer = slow.filter((s) => (s.status >= 200 && s.status < 400) || s.status >= 500);
      ctx.log(
        `slow: ${open.length}/${n} still open after ${windowMs / 1000} s; good max ack ${r.maxAckMs} ms`,
      );
      for (const s of slow) s.socket.destroy();
      await c.stop();
      const lake = await transformAndMeasure({ dataDir: tdir, openReader: segmentLogReader(cdir, tdir) });
      return {
        ...judgeLoad(r, lake, [
          check(
            'good acked within bound',
            r.acked.length > 0 && r.maxAckMs <= ACK_BOUND_MS,
            `${r.acked.length} acked, slowest ${r.maxAckMs} ms (bound ${ACK_BOUND_MS} ms)`,
          ),
          check(
            'good traffic: no errors',
            Object.keys(r.errors).length === 0 && Object.keys(r.statuses).every((s) => s === '202'),
            JSON.stringify({ ...r.statuses, ...r.errors }),
          ),
          check(
            'slow header senders ended',
            headers.endedByServer === headers.connections,
            `${headers.endedByServer}/${headers.connections} in ${windowMs / 1000} s ${JSON.stringify(headers.statuses)}`,
          ),
          check(
            'slow body senders ended',
            bodies.endedByServer === bodies.connections,
            `${bodies.endedByServer}/${bodies.connections} in ${windowMs / 1000} s ${JSON.stringify(bodies.statuses)}`,
          ),
          check('no 2xx/5xx to a slow client', badAnswer.length === 0, `${badAnswer.length}`),
          check('still healthy', healthy === 200, `/healthz ${healthy}`),
        ]),
        details: {
          slowConnections: n,
          windowMs,
          headers,
          bodies,
          statuses: r.statuses,
          errors: r.errors,
          maxAckMs: r.maxAckMs,
          drain: lake.drain,
        },
      };
    } finally {
      for (const s of slow) s.socket.destroy();
    }
  },
};
