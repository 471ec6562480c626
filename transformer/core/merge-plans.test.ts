import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeBatch, makeRow, type RecordSpec } from '../testing/fixtures.ts';
import { comparablePlan } from '../testing/plans.ts';
import { mergePlans } from './merge-plans.ts';
import { planBatch, planWithIds } from './plan.ts';

const row = fc
  .record({
    id: fc.integer({ min: 0, max: 40 }),
    hour: fc.integer({ min: 0, max: 2 }),
    module_id: fc.constantFrom(null, 'hero', 'nav'),
    is_bot: fc.boolean(),
    response_time_ms: fc.constantFrom(null, 3, 700),
  })
  .map(({ id, hour, ...r }) =>
    makeRow({ ...r, log_id: `id-${id}`, timestamp: `2026-11-25T0${hour}:10:00Z` }),
  );

const record: fc.Arbitrary<RecordSpec> = fc.oneof(
  { arbitrary: fc.array(row, { minLength: 1, maxLength: 6 }), weight: 6 },
  { arbitrary: fc.array(row, { minLength: 1, maxLength: 3 }).map((dropped) => ({ dropped })), weight: 2 },
  { arbitrary: fc.constant(new Uint8Array([0x01, 0x1f, 0x8b, 0x08, 0x00])), weight: 1 },
  { arbitrary: fc.constant(new TextEncoder().encode('{"bare": "not a row"}')), weight: 1 },
);

describe('mergePlans', () => {
  it('joined plans of two consecutive parts equal the plan of the whole batch, or say they cannot', () => {
    let merged = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(record, { minLength: 2, maxLength: 8 }), fc.nat(), (specs, at) => {
        const batch = makeBatch(specs);
        const k = 1 + (at % (batch.records.length - 1));
        const first = planWithIds({ ...batch, records: batch.records.slice(0, k) });
        const second = planWithIds({ ...batch, records: batch.records.slice(k) });
        const m = mergePlans(first, second);
        if (m === null) {
          refused++;
          const shared =
            [...first.lakeIds].some((id) => second.lakeIds.has(id)) ||
            [...first.droppedIds].some((id) => second.droppedIds.has(id));
          expect(shared).toBe(true);
          return;
        }
        merged++;
        expect(comparablePlan(m)).toEqual(comparablePlan(planBatch(batch)));
      }),
      { numRuns: 400 },
    );
    // Both outcomes must have been exercised for the property to mean anything.
    expect(merged).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(10);
  });
});
