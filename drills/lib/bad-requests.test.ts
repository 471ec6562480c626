import { describe, expect, it } from 'vitest';
import { generateBadRequests, prng } from './bad-requests.ts';

const IDS = { app: 'alt_aaaaaaaaaaaaaaaaaaaaaa', disabled: 'alt_b', restricted: 'alt_c', writeKey: 'altk_x' };

describe('generateBadRequests', () => {
  it('is reproducible from its seed and different across seeds', () => {
    const a = generateBadRequests(IDS, 200, 7).map((r) => r.request.toString('latin1'));
    expect(generateBadRequests(IDS, 200, 7).map((r) => r.request.toString('latin1'))).toEqual(a);
    expect(generateBadRequests(IDS, 200, 8).map((r) => r.request.toString('latin1'))).not.toEqual(a);
  });

  it('makes the count asked for, from every kind of mutation', () => {
    const reqs = generateBadRequests(IDS, 2000, 1);
    expect(reqs).toHaveLength(2000);
    const kinds = new Set(reqs.map((r) => r.name.split(/[ :]/)[0]));
    expect([...kinds].sort()).toEqual(['batch', 'corpus', 'cut', 'server-owned', 'unknown', 'wrong']);
  });

  it('never emits a well-formed JSON body for a cut request', () => {
    for (const r of generateBadRequests(IDS, 500, 3).filter((x) => x.name.startsWith('cut'))) {
      const text = r.request.toString('utf8');
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      expect(() => JSON.parse(body)).toThrow();
    }
  });
});

describe('prng', () => {
  it('stays in [0, 1)', () => {
    const r = prng(42);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});
