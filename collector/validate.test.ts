import { describe, expect, it } from 'vitest';
import { createValidator, parseTimestamp } from './validate.ts';

const v = createValidator();
const APP = 'alt_0123456789abcdefghijkl';
const hit = (over: Record<string, unknown> = {}) => ({
  app_id: APP,
  event_type: 'pageview',
  url: 'https://a.example/',
  ...over,
});

describe('beacon body', () => {
  it('accepts one hit or an array, and reports the parsed timestamp', () => {
    expect(v.beaconBody(hit())).toMatchObject({ ok: true, hits: [{ hit: hit() }] });
    const r = v.beaconBody([hit(), hit({ timestamp: '2026-01-01T00:00:00+01:00' })]);
    expect(r.ok && r.hits[1].eventMs).toBe(Date.parse('2025-12-31T23:00:00Z'));
  });

  it('names every problem with its hit index and path', () => {
    const r = v.beaconBody([
      hit(),
      hit({ url: undefined }),
      hit({ status_code: '404', nope: 1, visitor_id: 'x' }),
    ]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.details).toEqual(
      expect.arrayContaining([
        { index: 1, path: '/url', message: 'is required for pageviews' },
        { index: 2, path: '/status_code', message: 'must be an integer' },
        { index: 2, path: '/nope', message: 'unknown field' },
        { index: 2, path: '/visitor_id', message: 'visitor_id is set by the server and must not be sent' },
      ]),
    );
    expect(r.details.some((d) => d.index === 0)).toBe(false);
  });

  it('does not coerce types in JSON bodies', () => {
    expect(v.beaconBody(hit({ response_time_ms: '12' })).ok).toBe(false);
    expect(v.beaconBody(hit({ status_code: 200.5 })).ok).toBe(false);
    expect(v.beaconBody(hit({ status_code: -1 })).ok).toBe(false);
  });

  it('refuses browser-only server-owned fields on /v1/hits', () => {
    for (const f of [
      'client_ip',
      'user_agent',
      'log_id',
      'received_at',
      'is_bot',
      'source',
      'schema_version',
    ]) {
      const r = v.beaconBody(hit({ [f]: 'x' }));
      expect(r.ok ? [] : r.details.map((d) => d.path)).toContain(`/${f}`);
    }
  });

  it('checks what JSON Schema cannot: Unicode, metadata size/depth/keys, real dates', () => {
    const bad = (over: Record<string, unknown>) => {
      const r = v.beaconBody(hit(over));
      return r.ok ? 'ok' : r.details[0].message;
    };
    expect(bad({ event_name: 'a\uD800b' })).toMatch(/Unicode/);
    expect(bad({ metadata: { k: '\uDC00' } })).toMatch(/Unicode/);
    expect(bad({ metadata: { k: 'tab\there' } })).toMatch(/control/);
    expect(bad({ event_name: 'bell\u0007' })).not.toBe('ok');
    expect(bad({ metadata: { a: { b: { c: { d: 1 } } } } })).toBe('ok');
    expect(bad({ metadata: { a: { b: { c: { d: { e: 1 } } } } } })).toMatch(/4 levels/);
    expect(bad({ metadata: { big: 'x'.repeat(4100) } })).toMatch(/4096 bytes/);
    expect(bad({ metadata: JSON.parse('{"__proto__":{"polluted":1}}') })).toMatch(/not allowed/);
    expect(bad({ metadata: { constructor: { prototype: 1 } } })).toMatch(/not allowed/);
    expect(bad({ metadata: [1, 2] })).not.toBe('ok');
    expect(bad({ timestamp: '2026-02-31T00:00:00Z' })).toMatch(/real date/);
    expect(bad({ timestamp: '2026-01-01T00:00:00' })).toMatch(/time zone/);
    expect(bad({ timestamp: 1.5 })).not.toBe('ok');
    expect(bad({ url: 'javascript:alert(1)' })).toMatch(/http/);
    expect(bad({ url: `https://a.example/${'x'.repeat(2048)}` })).toMatch(/2048/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses empty, oversized and non-object bodies', () => {
    expect(v.beaconBody([]).ok).toBe(false);
    expect(v.beaconBody(Array.from({ length: 51 }, () => hit())).ok).toBe(false);
    expect(v.beaconBody(Array.from({ length: 50 }, () => hit())).ok).toBe(true);
    for (const b of [null, 1, 'x', true]) expect(v.beaconBody(b).ok).toBe(false);
    expect(v.beaconBody([1, null]).ok).toBe(false);
  });
});

describe('schema 2 on the wire', () => {
  const vitals = { lcp_ms: 2400, inp_ms: 180, fcp_ms: 900, ttfb_ms: 120, cls: 0.08 };
  const webVitals = (over: Record<string, unknown> = {}) =>
    hit({ event_type: 'event', event_name: 'web_vitals', url: undefined, ...vitals, ...over });

  it('accepts the Web Vitals on an event named web_vitals, on /v1/hits and /v1/batch', () => {
    expect(v.beaconBody(webVitals())).toMatchObject({ ok: true, hits: [{ hit: webVitals() }] });
    expect(v.beaconBody(webVitals({ lcp_ms: undefined, cls: 0 })).ok).toBe(true);
    expect(v.batchBody({ hits: [webVitals({ client_ip: '198.51.100.7' })] }).ok).toBe(true);
  });

  it('refuses them on any other hit, naming each with the rule', () => {
    for (const other of [hit(vitals), hit({ event_type: 'event', event_name: 'signup', ...vitals })]) {
      const r = v.beaconBody(other);
      expect(r.ok ? [] : r.details.map((d) => d.path)).toEqual(Object.keys(vitals).map((k) => `/${k}`));
      expect(r.ok ? '' : r.details[0].message).toMatch(/only on an event hit named web_vitals/);
    }
    expect(v.beaconBody(hit({ event_type: 'request', event_name: 'web_vitals', lcp_ms: 1 })).ok).toBe(false);
    // The pixel is the no-JavaScript fallback: no vitals there.
    expect(v.pixelQuery({ app_id: APP, event_type: 'event', event_name: 'web_vitals', lcp_ms: '1' }).ok).toBe(
      false,
    );
  });

  it('holds the vitals to their ranges and types', () => {
    const bad = (over: Record<string, unknown>) => {
      const r = v.beaconBody(webVitals(over));
      return r.ok ? 'ok' : `${r.details[0].path} ${r.details[0].message}`;
    };
    expect(bad({ lcp_ms: 600_000, inp_ms: 0, cls: 100 })).toBe('ok');
    expect(bad({ lcp_ms: 600_001 })).toBe('/lcp_ms must be <= 600000');
    expect(bad({ ttfb_ms: -1 })).toBe('/ttfb_ms must be >= 0');
    expect(bad({ fcp_ms: 12.5 })).toBe('/fcp_ms must be an integer');
    expect(bad({ inp_ms: '180' })).toBe('/inp_ms must be an integer');
    expect(bad({ cls: 100.01 })).toBe('/cls must be <= 100');
    expect(bad({ cls: -0.1 })).toBe('/cls must be >= 0');
    expect(bad({ cls: 'x' })).toBe('/cls must be a number');
  });

  it('refuses every column the server derives, on every route, as set by the server', () => {
    for (const f of ['country', 'browser', 'browser_version', 'os', 'os_version', 'device_type']) {
      for (const r of [v.beaconBody(hit({ [f]: 'x' })), v.batchBody({ hits: [hit({ [f]: 'x' })] })]) {
        expect(r.ok ? [] : r.details).toEqual([
          { index: 0, path: `/${f}`, message: `${f} is set by the server and must not be sent` },
        ]);
      }
    }
    for (const f of ['url_host', 'url_path', 'referrer_host', 'channel', 'utm_source', 'utm_content']) {
      const r = v.beaconBody(hit({ [f]: 'x' }));
      expect(r.ok ? '' : r.details[0].message).toBe(`${f} is set by the server and must not be sent`);
    }
    expect(v.pixelQuery({ app_id: APP, event_type: 'event', country: 'US' }).ok).toBe(false);
  });
});

describe('batch body', () => {
  it('accepts log_id, client_ip and user_agent but not the other server fields', () => {
    const ok = v.batchBody({
      hits: [hit({ log_id: '0190b7a0-0000-7000-8000-000000000001', client_ip: '::1', user_agent: 'x' })],
    });
    expect(ok.ok).toBe(true);
    const r = v.batchBody({ hits: [hit({ is_bot: true, client_ip: '999.1.1.1' })] });
    expect(r.ok ? [] : r.details.map((d) => d.path)).toEqual(['/is_bot', '/client_ip']);
  });

  it('wants {"hits": [1..500]} and nothing else', () => {
    expect(v.batchBody([hit()]).ok).toBe(false);
    expect(v.batchBody({ hits: [] }).ok).toBe(false);
    expect(v.batchBody({ hits: [hit()], extra: 1 }).ok).toBe(false);
    expect(v.batchBody({ hits: Array.from({ length: 501 }, () => hit()) }).ok).toBe(false);
    expect(v.batchBody({ hits: Array.from({ length: 500 }, () => hit()) }).ok).toBe(true);
  });
});

describe('JSON null', () => {
  it('means absent for an optional field on /v1/hits and /v1/batch (typed SDKs serialise unset fields)', () => {
    const nulls = { status: null, status_code: null, referrer: null, metadata: null, timestamp: null };
    const r = v.beaconBody(hit(nulls));
    expect(r).toMatchObject({ ok: true, hits: [{ hit: hit(), eventMs: undefined }] });
    expect(r.ok && Object.keys(r.hits[0].hit)).toEqual(['app_id', 'event_type', 'url']);
    const b = v.batchBody({ hits: [hit({ ...nulls, log_id: null, client_ip: null, user_agent: null })] });
    expect(b).toMatchObject({ ok: true, hits: [{ hit: hit() }] });
  });

  it('is still a 400 for a required field, a pageview url, and a server-owned field', () => {
    const r = v.beaconBody([hit({ app_id: null }), hit({ url: null }), hit({ is_bot: null })]);
    expect(r.ok ? [] : r.details.map((d) => `${d.index}${d.path}`)).toEqual([
      '0/app_id',
      '1/url',
      '2/is_bot',
    ]);
  });
});

describe('pixel query', () => {
  it('coerces numbers from the query string', () => {
    const r = v.pixelQuery({
      app_id: APP,
      event_type: 'pageview',
      url: 'https://a.example/',
      status_code: '404',
    });
    expect(r).toMatchObject({ ok: true, hits: [{ hit: { status_code: 404 } }] });
    expect(v.pixelQuery({ app_id: APP, event_type: 'event', status_code: 'abc' }).ok).toBe(false);
    expect(v.pixelQuery({ app_id: APP, event_type: 'event', metadata: '{}' }).ok).toBe(false);
    expect(v.pixelQuery({ app_id: [APP, APP], event_type: 'event' }).ok).toBe(false);
  });
});

it('parseTimestamp takes epoch ms and zoned ISO, and rejects dates that do not exist', () => {
  expect(parseTimestamp(1_700_000_000_000)).toBe(1_700_000_000_000);
  expect(parseTimestamp('2024-02-29T10:00:00Z')).toBe(Date.parse('2024-02-29T10:00:00Z'));
  expect(parseTimestamp('2023-02-29T10:00:00Z')).toBeNaN();
  expect(parseTimestamp('2023-13-01T10:00:00Z')).toBeNaN();
});
