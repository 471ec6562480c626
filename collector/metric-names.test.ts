import { describe, expect, it } from 'vitest';
import { COLLECTOR_METRIC_PREFIX, COLLECTOR_METRICS } from './metric-names.ts';
import { createMetrics } from './metrics.ts';

describe('collector metric names', () => {
  it('are exactly the metrics the collector registers, defaults under the same prefix', async () => {
    const own = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(own.sort()).toEqual(Object.values(COLLECTOR_METRICS).sort());
    const all = (await createMetrics({ defaultMetrics: true }).registry.getMetricsAsJSON()).map(
      (m) => m.name,
    );
    for (const name of all) expect(name.startsWith(COLLECTOR_METRIC_PREFIX), name).toBe(true);
  });
});
