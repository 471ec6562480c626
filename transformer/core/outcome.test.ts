import { describe, expect, it } from 'vitest';
import { makeBatch, makeRow } from '../testing/fixtures.ts';
import { classifyLine, MAX_LINE_BYTES } from './classify.ts';
import { emptyOutcomeCounts } from './outcome.ts';
import { planBatch } from './plan.ts';

const classify = (text: string | Buffer, droppedBots = false) => {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return classifyLine({ body, utf8: Buffer.from(body.toString()).equals(body), droppedBots }, 0, body.length);
};

describe('classifyLine', () => {
  it('names each line ok, a dropped bot, or bad with a reason from a fixed list and its wording apart', () => {
    const row = makeRow({ timestamp: '2026-11-25T03:59:59.999Z' });
    expect(classify(JSON.stringify(row))).toEqual({
      kind: 'ok',
      row,
      hourMs: Date.parse('2026-11-25T03:00:00Z'),
    });
    expect(classify(JSON.stringify(row), true)).toMatchObject({
      kind: 'dropped',
      reason: 'dropped_bot',
      row,
    });
    expect(classify('{"x')).toMatchObject({ kind: 'bad', reason: 'invalid_json', line: '{"x' });
    expect(classify('{"x":1}')).toMatchObject({
      kind: 'bad',
      reason: 'schema',
      detail: expect.stringMatching(/^schema:/),
    });
    expect(classify(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({
      kind: 'bad',
      reason: 'invalid_utf8',
      detail: 'invalid UTF-8',
      data_base64: 'e/99',
    });
    expect(classify('x'.repeat(MAX_LINE_BYTES + 1))).toMatchObject({ kind: 'bad', reason: 'line_too_long' });
  });
});

describe('the plan fold', () => {
  it('counts every line once by outcome and reason, and the batch counts agree', () => {
    const a = makeRow();
    const other = makeRow({ timestamp: '2026-11-25T05:00:00Z' });
    const batch = makeBatch([[a, a, other], { dropped: [a, makeRow()] }, new Uint8Array([0x09]), [a]]);
    const whole = planBatch(batch);
    const replay = planBatch(batch, { onlyPartitions: new Set(['year=2026/month=11/day=25/hour=03']) });
    expect(whole.outcomes).toEqual({
      ...emptyOutcomeCounts(),
      ok: 2,
      dropped: { duplicate: 2, dropped_bot: 2, not_replayed: 0 },
      bad: { ...emptyOutcomeCounts().bad, undecodable_record: 1 },
    });
    expect(whole.counts).toEqual({ records: 4, lakeRows: 2, droppedBots: 2, duplicates: 2, bad: 1 });
    expect(replay.outcomes.ok).toBe(1);
    expect(replay.outcomes.dropped).toEqual({ duplicate: 2, dropped_bot: 2, not_replayed: 1 });
  });
});
