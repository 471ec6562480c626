import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRow } from '../testing/fixtures.ts';
import { instantOf, validateLine } from './validate.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('instantOf', () => {
  it('equals Date.parse for every real instant from year 0 to 9999, with 0–6 fraction digits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59.999Z') }),
        fc.integer({ min: 0, max: 6 }),
        (ms, digits) => {
          const whole = iso(ms).slice(0, 19);
          const frac = digits
            ? `.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}987`.slice(0, digits + 1)
            : '';
          const ts = `${whole}${frac}Z`;
          expect(instantOf(ts)).toBe(Date.parse(ts));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is NaN for dates Date.parse rolls over or DuckDB refuses', () => {
    for (const ts of [
      '2025-02-29T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-11-25T24:00:00Z',
      '2026-11-25T23:60:00Z',
      '2026-11-25T23:59:60Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
    ]) {
      expect(instantOf(ts), ts).toBeNaN();
    }
    expect(instantOf('2024-02-29T12:00:00.5Z')).toBe(Date.parse('2024-02-29T12:00:00.5Z'));
    expect(instantOf('2000-02-29T00:00:00Z')).toBe(Date.parse('2000-02-29T00:00:00Z'));
  });
});

describe('validateLine', () => {
  const line = (over: Record<string, unknown>) => JSON.stringify({ ...makeRow(), ...over });

  it('refuses impossible dates in timestamp and received_at', () => {
    expect(validateLine(line({ timestamp: '2026-02-30T01:00:00Z' }))).toEqual({
      ok: false,
      reason: 'schema: timestamp is not a real date',
    });
    expect(validateLine(line({ received_at: '2026-11-25T24:00:00Z' })).ok).toBe(false);
  });

  it('refuses a lone surrogate in any string, and accepts a proper pair written as escapes', () => {
    const lone = line({ url: 'https://x.example/' }).replace('x.example/', 'x.example/\\ud800');
    expect(validateLine(lone)).toEqual({ ok: false, reason: 'schema: /url holds a lone UTF-16 surrogate' });
    const pair = line({ user_agent: 'ua' }).replace('"ua"', '"ua \\ud83d\\ude00"');
    const out = validateLine(pair);
    expect(out.ok && out.row.user_agent).toBe('ua 😀');
  });
});
