/** The scheduled compaction's choice of hours, from a listing of hits/ and the time. */
import { describe, expect, it } from 'vitest';
import { DUE_DEFAULTS, dayPrefixes, hoursToCompact } from './due.ts';

const file = (hour: string, name: string) => {
  const [d, h] = hour.split('T');
  const [y, m, day] = d.split('-');
  return `hits/year=${y}/month=${m}/day=${day}/hour=${h}/${name}`;
};
const part = (hour: string) => file(hour, 'x').slice('hits/'.length, -2);
const now = new Date('2026-11-25T12:20:00Z');

describe('hoursToCompact', () => {
  it('never compacts the open hour, nor the hour just closed within its grace period', () => {
    const keys = [file('2026-11-25T12', 's-1-2.parquet'), file('2026-11-25T11', 's-3-4.parquet')];
    expect(hoursToCompact(keys, new Date('2026-11-25T12:14:59Z'), DUE_DEFAULTS)).toEqual([]);
    // 12:15 is the end of 11:00's grace period; 12:00 stays open.
    expect(hoursToCompact(keys, new Date('2026-11-25T12:15:00Z'), DUE_DEFAULTS)).toEqual([
      part('2026-11-25T11'),
    ]);
  });

  it('compacts closed hours that hold batch files, oldest first', () => {
    const keys = [
      file('2026-11-25T10', 's-5-6.parquet'),
      file('2026-11-25T09', 's-1-2.parquet'),
      file('2026-11-25T09', 's-3-4.parquet'),
    ];
    expect(hoursToCompact(keys, now, DUE_DEFAULTS)).toEqual([part('2026-11-25T09'), part('2026-11-25T10')]);
  });

  it('leaves an hour alone that holds only compacted.parquet', () => {
    expect(hoursToCompact([file('2026-11-25T09', 'compacted.parquet')], now, DUE_DEFAULTS)).toEqual([]);
  });

  it('compacts a compacted hour again when a late file arrived', () => {
    const keys = [file('2026-11-24T03', 'compacted.parquet'), file('2026-11-24T03', 's-9-9.parquet')];
    expect(hoursToCompact(keys, now, DUE_DEFAULTS)).toEqual([part('2026-11-24T03')]);
  });

  it('looks back only lookbackHours from the current hour', () => {
    const keys = [file('2026-11-23T12', 'a.parquet'), file('2026-11-23T11', 'b.parquet')];
    expect(hoursToCompact(keys, now, DUE_DEFAULTS)).toEqual([part('2026-11-23T12')]);
    expect(hoursToCompact(keys, now, { graceMinutes: 15, lookbackHours: 49 })).toEqual([
      part('2026-11-23T11'),
      part('2026-11-23T12'),
    ]);
  });

  it('ignores what is not an hour file of hits/ (temporary uploads, other prefixes)', () => {
    const keys = [
      file('2026-11-25T09', 'compacted.parquet.tmp-1'),
      'raw/year=2026/month=11/day=25/hour=09/s-1-2.ndjson.gz',
      'hits/year=2026/month=11/day=25/s.parquet',
    ];
    expect(hoursToCompact(keys, now, DUE_DEFAULTS)).toEqual([]);
  });
});

describe('dayPrefixes', () => {
  it('lists the days the window touches, in order', () => {
    expect(dayPrefixes(now, 48)).toEqual([
      'hits/year=2026/month=11/day=23/',
      'hits/year=2026/month=11/day=24/',
      'hits/year=2026/month=11/day=25/',
    ]);
    expect(dayPrefixes(new Date('2027-01-01T00:10:00Z'), 1)).toEqual([
      'hits/year=2026/month=12/day=31/',
      'hits/year=2027/month=01/day=01/',
    ]);
  });
});
