import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAKE_COLUMN_NAMES, StreamRowSchema } from '../../schemas/lake.ts';
import { makeRow } from '../testing/fixtures.ts';
import { compileRowCheck } from './row-check.ts';

const ajvCheck = new Ajv({ strict: false }).compile(StreamRowSchema);
const isRow = compileRowCheck(StreamRowSchema);

/** Values a JSON line can hold, biased towards the edges of the lake row's rules. */
const value = fc.oneof(
  fc.constantFrom(null, true, false, 0, -0, 1.5, 2147483647, 2147483648, -2147483648, -2147483649, 1e300),
  fc.constantFrom('', 'pageview', 'event', 'request', 'beacon', 'pixel', 'server', 'RUNNING', 'FAILED'),
  fc.constantFrom(
    '2026-11-25T03:15:00Z',
    '2026-11-25T03:15:00.1234567Z',
    '2026-11-25 03:15:00Z',
    '2026-11-25T03:15:00.5Z\n',
  ),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'binary' }),
  fc.jsonValue({ maxDepth: 1 }),
);

describe('compileRowCheck', () => {
  it('agrees with ajv on rows with any column replaced, removed or added', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            col: fc.constantFrom(...LAKE_COLUMN_NAMES, '__proto__', 'extra', 'constructor'),
            op: fc.constantFrom('set', 'delete'),
            value,
          }),
          { maxLength: 4 },
        ),
        (edits) => {
          const row: Record<string, unknown> = JSON.parse(JSON.stringify(makeRow()));
          for (const e of edits) {
            if (e.op === 'delete') delete row[e.col];
            else
              Object.defineProperty(row, e.col, {
                value: e.value,
                enumerable: true,
                writable: true,
                configurable: true,
              });
          }
          // Through JSON, as the transformer sees it.
          const parsed = JSON.parse(JSON.stringify(row));
          expect(isRow(parsed)).toBe(ajvCheck(parsed));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('accepts a valid row and refuses non-objects', () => {
    expect(isRow(JSON.parse(JSON.stringify(makeRow())))).toBe(true);
    // Optional columns: absent, null or a value; a column the transformer derives: never.
    const { country: _, ...v1 } = makeRow();
    expect(isRow(JSON.parse(JSON.stringify(v1)))).toBe(true);
    expect(isRow(JSON.parse(JSON.stringify(makeRow({ event_type: 'event', lcp_ms: 1200, cls: 0.05 }))))).toBe(
      true,
    );
    expect(isRow(JSON.parse(JSON.stringify(makeRow({ cls: null }))))).toBe(true);
    expect(isRow(JSON.parse(JSON.stringify(makeRow({ lcp_ms: 1.5 }))))).toBe(false);
    expect(isRow(JSON.parse(JSON.stringify(makeRow({ browser: 'Chrome' }))))).toBe(false);
    for (const v of [null, [], 'x', 1, [makeRow()]]) expect(isRow(v)).toBe(false);
  });

  it('refuses, at load, a schema using what it does not implement', () => {
    expect(() => compileRowCheck({ ...StreamRowSchema, minProperties: 1 })).toThrow(/unsupported/);
    const props = { ...StreamRowSchema.properties, url: { type: 'string', maxLength: 10 } };
    expect(() => compileRowCheck({ ...StreamRowSchema, properties: props })).toThrow(/maxLength/);
    expect(() => compileRowCheck({ ...StreamRowSchema, additionalProperties: true })).toThrow(/closed/);
  });
});
