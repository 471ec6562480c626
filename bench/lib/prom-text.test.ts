import { describe, expect, it } from 'vitest';
import { promValue } from './prom-text.ts';

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
