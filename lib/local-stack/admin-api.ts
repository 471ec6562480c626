/**
 * A tiny RPC over loopback HTTP between `alt dev` and the other `alt` commands: `POST /<op>` with a
 * JSON body and `Authorization: Bearer <token>`. The server binds 127.0.0.1 only.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DevLock } from './dev-lock.ts';

export type AdminHandlers = Record<string, (body: Record<string, unknown>) => Promise<unknown>>;

export async function startAdminServer(
  token: string,
  handlers: AdminHandlers,
  /** Adds routes to this loopback listener before it listens (`alt dev`: the console at `/_alt/`). */
  extend?: (app: FastifyInstance) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 1 << 20 });
  extend?.(app);
  const expected = Buffer.from(`Bearer ${token}`);
  app.post<{ Params: { op: string }; Body: Record<string, unknown> }>('/:op', async (req, reply) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      return reply.code(401).send({ error: 'invalid_token' });
    }
    const handler = Object.hasOwn(handlers, req.params.op) ? handlers[req.params.op] : undefined;
    if (!handler) return reply.code(404).send({ error: 'unknown_op', message: req.params.op });
    try {
      return { result: await handler(req.body ?? {}) };
    } catch (err) {
      return reply.code(400).send({ error: 'failed', message: (err as Error).message });
    }
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, close: () => app.close() };
}

export async function callAdmin<T>(
  lock: DevLock,
  op: string,
  body: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${lock.adminPort}/${op}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${lock.token}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { result?: T; error?: string; message?: string };
  if (!res.ok) throw new Error(`alt dev (pid ${lock.pid}) refused ${op}: ${json.message ?? json.error}`);
  return json.result as T;
}
