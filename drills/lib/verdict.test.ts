import { describe, expect, it } from 'vitest';
import { check, compareKeys, judge } from './verdict.ts';

const base = {
  sent: 10,
  ackedIds: ['a', 'b', 'c'],
  lakeIds: new Set(['a', 'b', 'c', 'd']),
  beforeCompaction: { rows: 5, duplicates: 1 },
  afterCompaction: { rows: 4, duplicates: 0 },
  lakeByKey: new Map([['app|h1', 4]]),
  rollupByKey: new Map([['app|h1', 4]]),
};

describe('judge', () => {
  it('passes when every acked id is in the lake and rollups equal the lake', () => {
    const v = judge(base);
    expect(v).toMatchObject({
      pass: true,
      acked: 3,
      inLake: 3,
      ackedMissing: 0,
      dupBefore: 1,
      dupAfter: 0,
      lakeRows: 4,
      rollupHits: 4,
    });
  });

  it('fails on one acknowledged hit missing, and names it', () => {
    const v = judge({ ...base, ackedIds: ['a', 'zz'] });
    expect(v).toMatchObject({ pass: false, ackedMissing: 1, missingSample: ['zz'], inLake: 1 });
  });

  it('fails when rollups differ from the lake for any hour, even if totals agree', () => {
    const v = judge({
      ...base,
      lakeByKey: new Map([
        ['app|h1', 3],
        ['app|h2', 1],
      ]),
      rollupByKey: new Map([['app|h1', 4]]),
    });
    expect(v.pass).toBe(false);
    expect(v.rollupMismatches).toEqual(['app|h1: lake 3 ≠ rollups 4', 'app|h2: lake 1 ≠ rollups 0']);
  });

  it('fails on duplicates left after compaction and on a failed drill check', () => {
    expect(judge({ ...base, afterCompaction: { rows: 4, duplicates: 1 } }).pass).toBe(false);
    expect(judge({ ...base, checks: [check('x', false, 'no')] }).pass).toBe(false);
    expect(judge({ ...base, checks: [check('x', true, 'yes')] }).pass).toBe(true);
  });

  it('reports the duplicates the transformer dropped within batches', () => {
    expect(judge({ ...base, drain: { duplicates: 12 } }).dupInStream).toBe(12);
  });

  it('counts an id acknowledged twice (a client retry) once', () => {
    expect(judge({ ...base, ackedIds: ['a', 'a', 'b'] }).acked).toBe(2);
  });
});

describe('compareKeys', () => {
  it('is empty for equal maps', () => {
    expect(compareKeys(new Map([['k', 1]]), new Map([['k', 1]]))).toEqual([]);
  });
});
