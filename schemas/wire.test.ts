import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { BatchBodySchema, BeaconBodySchema, PixelQuerySchema } from './wire.ts';

const ajv = new Ajv({ allErrors: true, coerceTypes: false });
const beacon = ajv.compile(BeaconBodySchema);
const batch = ajv.compile(BatchBodySchema);
const pixel = new Ajv({ coerceTypes: true }).compile(PixelQuerySchema);
const app_id = 'alt_0123456789abcdefghijkl';

describe('wire schemas', () => {
  it('accept a beacon pageview, an array of hits, and a batch with idempotency keys', () => {
    const hit = { app_id, event_type: 'pageview', url: 'https://example.com/a?b=1', status_code: 200 };
    expect(beacon(hit)).toBe(true);
    expect(beacon([hit, { app_id, event_type: 'event', event_name: 'signup', status: 'SUCCEEDED' }])).toBe(
      true,
    );
    expect(
      batch({
        hits: [
          {
            ...hit,
            log_id: '0190d9f4-8f3b-7c6e-9a51-2b7a8f0c1d2e',
            client_ip: '203.0.113.9',
            user_agent: 'curl/8',
          },
        ],
      }),
    ).toBe(true);
  });

  it.each([
    ['unknown field', { app_id, event_type: 'pageview', colour: 'red' }],
    ['server-owned field', { app_id, event_type: 'pageview', is_bot: false }],
    ['client_ip on a browser route', { app_id, event_type: 'pageview', client_ip: '1.2.3.4' }],
    ['sequential app id', { app_id: '42', event_type: 'pageview' }],
    ['unknown event type', { app_id, event_type: 'click' }],
    ['status as a number', { app_id, event_type: 'event', status: 200 }],
    ['status_code as text', { app_id, event_type: 'event', status_code: 'FAILED' }],
    ['javascript: url', { app_id, event_type: 'pageview', url: 'javascript:alert(1)' }],
    ['control character', { app_id, event_type: 'event', event_name: 'a\u0000b' }],
    ['timestamp without zone', { app_id, event_type: 'event', timestamp: '2026-01-01T00:00:00' }],
    ['metadata as text', { app_id, event_type: 'event', metadata: '{"a":1}' }],
  ])('reject %s', (_why, hit) => {
    expect(beacon(hit)).toBe(false);
  });

  it('caps requests at 50 hits and batches at 500', () => {
    const hit = { app_id, event_type: 'event' };
    expect(beacon(Array(50).fill(hit))).toBe(true);
    expect(beacon(Array(51).fill(hit))).toBe(false);
    expect(batch({ hits: Array(500).fill(hit) })).toBe(true);
    expect(batch({ hits: Array(501).fill(hit) })).toBe(false);
    expect(batch({ hits: [] })).toBe(false);
  });

  it('coerces pixel query strings into numbers', () => {
    const q: Record<string, unknown> = {
      app_id,
      event_type: 'pageview',
      url: 'https://x.test/',
      status_code: '404',
    };
    expect(pixel(q)).toBe(true);
    expect(q.status_code).toBe(404);
  });
});
