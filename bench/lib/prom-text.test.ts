import { describe, expect, it } from 'vitest';
import { promByLabel, promValue } from './prom-text.ts';

const TEXT = [
  '# HELP alt_transformer_lag_seconds Age of the oldest record not yet transformed',
  '# TYPE alt_transformer_lag_seconds gauge',
  'alt_transformer_lag_seconds 12.5',
  'alt_collector_requests_total{route="/v1/hits",status="202"} 100',
  'alt_collector_requests_total{route="/v1/hits",status="503"} 3',
  'alt_transformer_lag_hits_total 9',
  '',
].join('\n');

describe('promValue', () => {
  it('reads a gauge and sums a counter over its label sets', () => {
    expect(promValue(TEXT, 'alt_transformer_lag_seconds')).toBe(12.5);
    expect(promValue(TEXT, 'alt_collector_requests_total')).toBe(103);
  });

  it('is undefined for a metric that is not exposed, even when a longer name starts with it', () => {
    expect(promValue(TEXT, 'alt_transformer_lag_hits')).toBeUndefined();
  });
});

describe('promByLabel', () => {
  it('keys the series of a metric by one label, summing series that share its value', () => {
    const gc = [
      'alt_collector_nodejs_gc_duration_seconds_sum{kind="minor"} 1.5',
      'alt_collector_nodejs_gc_duration_seconds_sum{kind="major"} 0.25',
      'alt_collector_nodejs_gc_duration_seconds_sum{kind="major",x="y"} 0.5',
      'alt_collector_nodejs_gc_duration_seconds_count{kind="major"} 7',
    ].join('\n');
    expect(promByLabel(gc, 'alt_collector_nodejs_gc_duration_seconds_sum', 'kind')).toEqual({
      minor: 1.5,
      major: 0.75,
    });
    expect(promByLabel(TEXT, 'alt_collector_requests_total', 'kind')).toEqual({});
  });
});
