import { describe, expect, it } from 'vitest';
import { batchName, hourRange, parseHour, partitionStart, rawHoursFor } from './paths.ts';

describe('lake paths', () => {
  it('parses CLI hours into zero-padded partitions and refuses anything else', () => {
    expect(parseHour('2026-01-05T03')).toBe('year=2026/month=01/day=05/hour=03');
    expect(parseHour('2026-01-05T03:00:00Z')).toBe('year=2026/month=01/day=05/hour=03');
    for (const bad of [
      '2026-01-05 3h',
      '2026-02-30T03',
      '2026-01-05T24',
      '2026-13-05T22',
      '2026-00-05T22',
      '26-01-05T03',
      '',
    ]) {
      expect(() => parseHour(bad), bad).toThrow(/YYYY-MM-DDTHH|not a real hour/);
    }
  });

  it('expands A..B across day and month ends', () => {
    expect(hourRange(parseHour('2026-01-31T22'), parseHour('2026-02-01T01'))).toEqual([
      'year=2026/month=01/day=31/hour=22',
      'year=2026/month=01/day=31/hour=23',
      'year=2026/month=02/day=01/hour=00',
      'year=2026/month=02/day=01/hour=01',
    ]);
    expect(() => hourRange(parseHour('2026-01-02T00'), parseHour('2026-01-01T00'))).toThrow();
  });

  it('looks for raw files of an event hour in the arrival hours that can hold it', () => {
    const h = parseHour('2026-03-10T12');
    const raw = rawHoursFor([h]);
    // Hits are accepted from 5 min ahead to 24 h behind arrival.
    expect(raw).toContain('year=2026/month=03/day=10/hour=11');
    expect(raw).toContain('year=2026/month=03/day=11/hour=12');
    expect(raw).toContain('year=2026/month=03/day=11/hour=13');
    expect(raw).not.toContain('year=2026/month=03/day=11/hour=14');
    expect(partitionStart(h).toISOString()).toBe('2026-03-10T12:00:00.000Z');
  });

  it('names batch objects from shard and sequence range, safe for any key', () => {
    expect(batchName('shardId-000000000001', '495', '496')).toBe('shardId-000000000001-495-496');
    expect(batchName('a/b', '1', '2')).toBe('a_b-1-2');
  });
});
