/**
 * Generated malformed requests (pure, seeded): the hostile corpus plus mutations of valid hits —
 * JSON cut at a random byte, a field given a wrong type or value, an unknown field, a server-owned
 * field, a wrong key on `/v1/batch`. Every one is invalid by construction, so every one must be a 4xx.
 */
import { type CorpusIds, hostileCorpus } from '../../collector/testing/hostile-corpus.ts';
import { httpRequest } from '../../collector/testing/raw-http.ts';

export interface BadRequest {
  name: string;
  request: Buffer;
}

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values no field of a hit accepts in that place (by field). */
const WRONG: Record<string, unknown[]> = {
  app_id: [12345, null, '', "alt_' OR 1=1 --", 'alt_../../etc', ['x'], { $ne: 1 }],
  event_type: ['click', 1, null, '', 'PAGEVIEW'],
  url: [
    true,
    42,
    'javascript:alert(1)',
    'file:///etc/passwd',
    '../x',
    `https://x.example/${'a'.repeat(2100)}`,
  ],
  status_code: ['404', -1, 404.5, true],
  response_time_ms: [-5, 'fast', 3_600_001, 1.5],
  timestamp: ['yesterday', '2024-02-30T00:00:00Z', -1, 9e15, '1700000000000', '2026-01-01T10:00:00'],
  metadata: ['{"a":1}', [1, 2], { blob: 'x'.repeat(5000) }, 7],
  event_name: ['a\nb', 'a\u0001b', 42, 'x'.repeat(500)],
};
const SERVER_OWNED = [
  'visitor_id',
  'received_at',
  'is_bot',
  'client_ip',
  'schema_version',
  'country',
  'browser',
];

export function generateBadRequests(ids: CorpusIds, count: number, seed = 1): BadRequest[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const corpus = hostileCorpus(ids);
  const hit = () => ({
    app_id: ids.app,
    event_type: 'pageview',
    url: `https://shop.example/p/${Math.floor(rnd() * 1e6)}`,
  });
  const hits = (body: string | Buffer) =>
    httpRequest('POST', '/v1/hits', { 'content-type': 'text/plain' }, body);
  const out: BadRequest[] = [];
  while (out.length < count) {
    const kind = Math.floor(rnd() * 6);
    if (kind === 0) {
      const e = pick(corpus);
      out.push({ name: `corpus: ${e.name}`, request: e.request });
    } else if (kind === 1) {
      const text = JSON.stringify([hit(), hit()]);
      const cut = 1 + Math.floor(rnd() * (text.length - 2));
      out.push({ name: `cut at byte ${cut}`, request: hits(text.slice(0, cut)) });
    } else if (kind === 2) {
      const field = pick(Object.keys(WRONG));
      out.push({
        name: `wrong ${field}`,
        request: hits(JSON.stringify({ ...hit(), [field]: pick(WRONG[field]) })),
      });
    } else if (kind === 3) {
      const name = `x_${Math.floor(rnd() * 1e6).toString(36)}`;
      out.push({ name: 'unknown field', request: hits(JSON.stringify({ ...hit(), [name]: 1 })) });
    } else if (kind === 4) {
      const field = pick(SERVER_OWNED);
      out.push({ name: `server-owned ${field}`, request: hits(JSON.stringify({ ...hit(), [field]: 'x' })) });
    } else {
      const key = `altk_${Math.floor(rnd() * 1e12).toString(36)}`;
      out.push({
        name: 'batch with a wrong key',
        request: httpRequest(
          'POST',
          '/v1/batch',
          { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          JSON.stringify({ hits: [hit()] }),
        ),
      });
    }
  }
  return out;
}
