/** 90+ malformed and hostile requests over real HTTP: each gets its 4xx and code, never a 5xx. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, openTestDb, startHarness } from './testing/harness.ts';
import { type CorpusIds, hostileCorpus } from './testing/hostile-corpus.ts';
import { httpRequest, rawRequest } from './testing/raw-http.ts';

let h: Harness;
let dbDone: (() => Promise<void>) | undefined;
let port: number;
let ids: CorpusIds;

beforeAll(async () => {
  const t = await openTestDb();
  dbDone = t.done;
  h = await startHarness({ db: t.db });
  const base = await h.listen();
  port = Number(new URL(base).port);
  const app = await h.createApp({ name: 'corpus' });
  const disabled = (await h.createApp({ name: 'off' })).app.appId;
  await h.registry.disable(disabled);
  const restricted = (await h.createApp({ origins: ['https://shop.example'] })).app.appId;
  ids = { app: app.app.appId, writeKey: app.writeKey, disabled, restricted };
});
afterAll(async () => {
  await h?.close();
  await dbDone?.();
});

describe('hostile corpus', () => {
  it('has at least 50 entries', () => {
    expect(
      hostileCorpus({ app: 'a', disabled: 'b', restricted: 'c', writeKey: 'd' }).length,
    ).toBeGreaterThanOrEqual(50);
  });

  it('answers every entry with its 4xx and error code, and nothing is stored', async () => {
    const results = [];
    for (const entry of hostileCorpus(ids)) {
      const r = await rawRequest(port, entry.request);
      let code: string | undefined;
      try {
        code = (JSON.parse(r.body) as { error?: string }).error;
      } catch {
        code = undefined;
      }
      results.push({ name: entry.name, status: r.status, code });
    }
    const expected = hostileCorpus(ids).map((e) => ({ name: e.name, status: e.status, code: e.code }));
    expect(results).toEqual(expected);
    expect(h.sink.rows()).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still serves afterwards', async () => {
    const ok = await rawRequest(
      port,
      httpRequest(
        'POST',
        '/v1/hits',
        { 'content-type': 'text/plain' },
        JSON.stringify({ app_id: ids.app, event_type: 'pageview', url: 'https://shop.example/' }),
      ),
    );
    expect(ok.status).toBe(202);
    expect((await rawRequest(port, httpRequest('GET', '/healthz', {}))).status).toBe(200);
    const metrics = await rawRequest(port, httpRequest('GET', '/metrics', {}));
    expect(metrics.body).not.toMatch(/status="5\d\d"/);
  });
});
