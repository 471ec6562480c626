/**
 * Closed-loop `/v1/batch` load with client log_ids: `concurrency` workers each send a batch, wait
 * for the answer, repeat. A log_id counts as acknowledged only when its request got a 2xx. Runs
 * until `stop()` (or `maxRequests`); every request has a timeout, so a dead server ends nothing.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';

export interface BatchLoadOptions {
  port: number;
  appId: string;
  writeKey: string;
  concurrency: number;
  hitsPerRequest: number;
  /** Pause between a worker's requests (ms), to hold a rate instead of flooding. */
  pauseMs?: number;
  timeoutMs?: number;
  /** Bytes of padding in each hit's url (fills a spool faster). */
  padding?: number;
  maxRequests?: number;
}

export interface BatchLoadResult {
  requests: number;
  hitsSent: number;
  acked: string[];
  statuses: Record<string, number>;
  /** Refusals by `status error-code` (`503 overloaded`). */
  refusals: Record<string, number>;
  errors: Record<string, number>;
  /** log_ids of requests that got no answer (a client would retry them with the same ids). */
  unanswered: string[][];
  /** Slowest 2xx answer (ms). */
  maxAckMs: number;
}

export interface BatchLoad {
  /** Live view (acked grows as answers arrive). */
  readonly result: BatchLoadResult;
  waitForAcks(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<BatchLoadResult>;
}

/** A browser's user agent: the drill app drops bots, and a dropped bot is not a lost hit. */
export const DRILL_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** One `/v1/batch` body (pure). */
export function batchBody(appId: string, logIds: string[], padding = 0): string {
  return JSON.stringify({
    hits: logIds.map((log_id, i) => ({
      app_id: appId,
      event_type: 'pageview',
      url: `https://shop.example.com/p/${i}${padding > 0 ? `?pad=${'x'.repeat(padding)}` : ''}`,
      log_id,
      client_ip: '203.0.113.7',
      user_agent: DRILL_UA,
    })),
  });
}

export function postBatch(
  agent: http.Agent,
  o: Pick<BatchLoadOptions, 'port' | 'writeKey' | 'timeoutMs'>,
  body: string,
): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: o.port,
        path: '/v1/batch',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${o.writeKey}`,
        },
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < 4096) text += d;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let code: string | undefined;
          if (status >= 400) {
            try {
              code = (JSON.parse(text) as { error?: string }).error;
            } catch {
              code = undefined;
            }
          }
          resolve({ status, code });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends batches again with their original log_ids (a client's retry); returns the ids acked. */
export async function retryBatches(
  o: Pick<BatchLoadOptions, 'port' | 'appId' | 'writeKey' | 'timeoutMs'>,
  batches: string[][],
): Promise<string[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const acked: string[] = [];
  try {
    for (const ids of batches) {
      const { status } = await postBatch(agent, o, batchBody(o.appId, ids)).catch(() => ({ status: 0 }));
      if (status >= 200 && status < 300) acked.push(...ids);
    }
  } finally {
    agent.destroy();
  }
  return acked;
}

export function startBatchLoad(o: BatchLoadOptions): BatchLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const result: BatchLoadResult = {
    requests: 0,
    hitsSent: 0,
    acked: [],
    statuses: {},
    refusals: {},
    errors: {},
    unanswered: [],
    maxAckMs: 0,
  };
  let stopped = false;
  const worker = async () => {
    while (!stopped && (o.maxRequests === undefined || result.requests < o.maxRequests)) {
      const ids = Array.from({ length: o.hitsPerRequest }, () => randomUUID());
      result.requests++;
      result.hitsSent += ids.length;
      const t0 = Date.now();
      try {
        const { status, code } = await postBatch(agent, o, batchBody(o.appId, ids, o.padding));
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status >= 400) {
          const k = `${status} ${code ?? '?'}`;
          result.refusals[k] = (result.refusals[k] ?? 0) + 1;
        }
        if (status >= 200 && status < 300) {
          result.acked.push(...ids);
          result.maxAckMs = Math.max(result.maxAckMs, Date.now() - t0);
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        result.errors[code] = (result.errors[code] ?? 0) + 1;
        result.unanswered.push(ids);
        await new Promise((r) => setTimeout(r, 20)); // a refused connect would spin
      }
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: o.concurrency }, worker));
  return {
    result,
    async waitForAcks(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (result.acked.length < n) {
        if (Date.now() > deadline) {
          throw new Error(
            `only ${result.acked.length}/${n} acks; statuses ${JSON.stringify(result.statuses)} errors ${JSON.stringify(result.errors)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopped = true;
      await done;
      agent.destroy();
      return result;
    },
  };
}
