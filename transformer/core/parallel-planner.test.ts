import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBatch, makeRow, type RecordSpec } from '../testing/fixtures.ts';
import { comparablePlan } from '../testing/plans.ts';
import { createParallelPlanner } from './parallel-planner.ts';
import { planBatch } from './plan.ts';

/** 40 records over three hours, with a bad line, a corrupt record and dropped bots. */
function batch(opts: { crossDuplicate?: boolean } = {}) {
  const specs: RecordSpec[] = [];
  for (let r = 0; r < 40; r++) {
    const rows = Array.from({ length: 50 }, (_, i) =>
      makeRow({ timestamp: `2026-11-25T0${(r + i) % 3}:10:00Z`, module_id: i % 2 ? 'hero' : null }),
    );
    if (r === 5) specs.push(new Uint8Array([0x01, ...gzipSync(`${JSON.stringify(rows[0])}\n{not json\n`)]));
    else if (r === 30) specs.push({ dropped: rows.slice(0, 3) });
    else if (r === 12) specs.push(new Uint8Array([0x01, 0x1f, 0x8b, 0x08, 0x00]));
    else specs.push(rows);
  }
  if (opts.crossDuplicate)
    (specs[35] as ReturnType<typeof makeRow>[])[0] = (specs[1] as ReturnType<typeof makeRow>[])[0];
  return makeBatch(specs);
}

describe('parallel planner (worker thread)', () => {
  const planner = createParallelPlanner();
  afterAll(() => planner.close());

  it('plans a batch in two halves, one on the worker, into the plan planBatch makes', async () => {
    const b = batch();
    expect(comparablePlan(await planner.plan(b))).toEqual(comparablePlan(planBatch(b)));
    const only = new Set(['year=2026/month=11/day=25/hour=01']);
    expect(comparablePlan(await planner.plan(b, { onlyPartitions: only }))).toEqual(
      comparablePlan(planBatch(b, { onlyPartitions: only })),
    );
    expect(planner.stats().split).toBe(2);
  });

  it('plans the whole batch here when a log_id is in both halves (first wins across them)', async () => {
    const b = batch({ crossDuplicate: true });
    const before = planner.stats().whole;
    const plan = await planner.plan(b);
    expect(comparablePlan(plan)).toEqual(comparablePlan(planBatch(b)));
    expect(plan.counts.duplicates).toBe(1);
    expect(planner.stats().whole).toBe(before + 1);
  });
});
