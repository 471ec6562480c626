/**
 * An oversized body is refused from its Content-Length before it is read; the client, which is
 * still sending, must still receive the 413 and finish its write without a reset, so a server SDK
 * can split the batch instead of retrying it whole (lingering close, RFC 9112 §9.6).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../lib/db/sql.ts';
import { openTestDb, startHarness } from './testing/harness.ts';

let db: Sql;
let dbDone: () => Promise<void>;
beforeAll(async () => {
  ({ db, done: dbDone } = await openTestDb());
});
afterAll(async () => dbDone?.());

/** Sends headers and `size` bytes of body as fast as the socket takes them; what came back, and any socket error. */
function send(port: number, head: string, size: number): Promise<{ response: string; error?: string }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let response = '';
    let error: string | undefined;
    s.on('data', (d) => {
      response += d.toString();
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    s.on('close', () => resolve({ response, error }));
    s.write(`${head}Content-Length: ${size}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!s.write(chunk)) {
          s.once('drain', pump);
          return;
        }
      }
      s.end();
    };
    pump();
  });
}

describe('oversized bodies', () => {
  it('are answered 413 too_large, and a client still sending gets it without a reset', async () => {
    const h = await startHarness({ db });
    try {
      const port = Number(new URL(await h.listen()).port);
      const { writeKey } = await h.createApp();
      const routes = [
        'POST /v1/hits HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n',
        `POST /v1/batch HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nAuthorization: Bearer ${writeKey}\r\n`,
      ];
      for (const head of routes) {
        const r = await send(port, head, 8 * 1024 * 1024);
        expect(r.error, head).toBeUndefined();
        expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
        expect(r.response).toMatch(/connection: close/i);
        expect(r.response).toContain('"error":"too_large"');
      }
    } finally {
      await h.close();
    }
  });
});
