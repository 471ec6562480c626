import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { lingerOnClose } from './linger.ts';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/**
 * A server that answers its connection at once and closes it through destroySoon, lingering;
 * `closed` resolves with the time the server side was destroyed.
 */
async function lingeringServer(limits: { ms: number; bytes: number }) {
  let onClosed: (t: number) => void = () => {};
  const closed = new Promise<number>((r) => {
    onClosed = r;
  });
  const server = createServer({ allowHalfOpen: true }, (sock: Socket) => {
    sock.resume(); // discard what arrives, as Node's HTTP parser does for a dumped request
    sock.on('error', () => {});
    sock.on('close', () => onClosed(performance.now()));
    lingerOnClose(sock, limits);
    sock.write('refused\n');
    sock.destroySoon();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, closed };
}

/** allowHalfOpen: the client does not end its side when the answer's FIN arrives, like a client still sending. */
function client(port: number) {
  const c = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('error', () => {});
  return c;
}

it('answers, keeps reading, and destroys the socket once the byte bound is passed', async () => {
  const srv = await lingeringServer({ ms: 30_000, bytes: 256 * 1024 });
  const c = client(srv.port);
  let got = '';
  c.on('data', (d) => {
    got += d;
  });
  const started = performance.now();
  const chunk = Buffer.alloc(64 * 1024);
  const writer = setInterval(() => {
    if (!c.destroyed) c.write(chunk, () => {});
  }, 5);
  const closedAt = await srv.closed;
  clearInterval(writer);
  c.destroy();
  expect(got).toBe('refused\n');
  // Ended by the byte bound (256 KiB at ~13 MiB/s), not by the 30 s time bound.
  expect(closedAt - started).toBeLessThan(10_000);
});

it('keeps an idle half-closed socket only until the time bound', async () => {
  const srv = await lingeringServer({ ms: 200, bytes: 1024 * 1024 });
  const c = client(srv.port);
  c.resume();
  await once(c, 'end'); // the answer's FIN arrives at once
  const halfClosed = performance.now();
  const closedAt = await srv.closed;
  c.destroy();
  expect(closedAt - halfClosed).toBeGreaterThanOrEqual(150);
});
