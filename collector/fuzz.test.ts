/** Property tests: whatever a client sends, the collector answers below 500. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, openTestDb, startHarness } from './testing/harness.ts';

let h: Harness;
let dbDone: (() => Promise<void>) | undefined;
let appId: string;
beforeAll(async () => {
  const t = await openTestDb();
  dbDone = t.done;
  h = await startHarness({ db: t.db });
  appId = (await h.createApp({ botPolicy: 'keep' })).app.appId;
});
afterAll(async () => {
  await h?.close();
  await dbDone?.();
});

const FIELDS = [
  'app_id',
  'event_type',
  'url',
  'referrer',
  'timestamp',
  'status_code',
  'status',
  'response_time_ms',
  'metadata',
  'event_name',
  'module_id',
  'client_sub_id',
  'session_id',
  'request_id',
  'log_id',
  'client_ip',
  'user_agent',
  '__proto__',
  'constructor',
  'is_bot',
];

const anyHit = () =>
  fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary' })), {
    maxKeys: 8,
  });
/** Mostly-valid hits with one field replaced by anything: reaches the enrichment and sink path. */
const nearlyValid = () =>
  fc
    .record({
      field: fc.constantFrom(...FIELDS),
      value: fc.jsonValue(),
      type: fc.constantFrom('pageview', 'event', 'request'),
    })
    .map(({ field, value, type }) => ({
      app_id: appId,
      event_type: type,
      url: 'https://a.example/',
      ...(field === 'app_id' && typeof value !== 'string' ? {} : { [field]: value }),
    }));

const send = (body: string | Buffer, contentType = 'text/plain') =>
  h.app.inject({ method: 'POST', url: '/v1/hits', payload: body, headers: { 'content-type': contentType } });

describe('fuzzing', () => {
  it('arbitrary JSON values as bodies never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (v) => {
        const r = await send(JSON.stringify(v) ?? 'null');
        expect(r.statusCode).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary strings and bytes as bodies never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
        ),
        fc.constantFrom(
          'text/plain',
          'application/json',
          'application/json; charset=latin1',
          'text/plain; charset=utf-8',
        ),
        async (body, ct) => {
          const r = await send(body, ct);
          expect(r.statusCode).toBeLessThan(500);
          expect(r.json()).toHaveProperty('error');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hit-shaped objects with arbitrary field values never give a 5xx', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(anyHit(), nearlyValid(), fc.array(nearlyValid(), { maxLength: 5 })),
        async (v) => {
          const r = await send(JSON.stringify(v));
          expect(r.statusCode).toBeLessThan(500);
          if (r.statusCode === 202) accepted++;
        },
      ),
      { numRuns: 400 },
    );
    // The generator reaches the enrichment and sink path, not only the validator.
    expect(accepted).toBeGreaterThan(0);
    expect(h.sink.rows().length).toBeGreaterThanOrEqual(accepted);
  });

  it('arbitrary pixel query strings never give a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), fc.string({ unit: 'binary' }), {
          maxKeys: 6,
        }),
        fc.boolean(),
        async (q, withApp) => {
          const params = new URLSearchParams(withApp ? { ...q, app_id: appId, event_type: 'event' } : q);
          const r = await h.app.inject({ method: 'GET', url: `/v1/p.gif?${params}` });
          expect(r.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });
});
