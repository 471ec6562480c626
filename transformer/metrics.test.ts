import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyOutcomeCounts } from './core/outcome.ts';
import { createFsStore } from './lake/fs-store.ts';
import { createTransformerMetrics, RECORDS_METRIC } from './metrics.ts';
import { EMF_NAMESPACE, emfDocuments, writeEmf } from './metrics-emf.ts';
import { createDuckdbWriter } from './parquet/duckdb.ts';
import { type BatchResult, createBatchProcessor } from './process-batch.ts';
import { makeBatch, makeRow } from './testing/fixtures.ts';

const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The outcomes of `processedBatch()`, in the order of `outcomeEntries`. */
const ONE_BATCH: [string, string, number][] = [
  ['ok', 'ok', 3],
  ['dropped', 'duplicate', 1],
  ['dropped', 'dropped_bot', 1],
  ['bad', 'undecodable_record', 1],
  ['bad', 'invalid_json', 1],
];

/** A batch with a line of every common fate: 3 rows, a duplicate, a dropped bot, bad JSON, a bad record. */
async function processedBatch(): Promise<BatchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'alt-metrics-'));
  dirs.push(dir);
  const writer = await createDuckdbWriter();
  closers.push(() => writer.close());
  const processor = createBatchProcessor({ store: createFsStore(dir), writer });
  const a = makeRow();
  const batch = makeBatch([
    [a, makeRow(), makeRow()],
    [a],
    { dropped: [makeRow({ is_bot: true })] },
    new TextEncoder().encode('{"not json'),
    new Uint8Array([0x09, 0x00]),
  ]);
  return processor.process(batch);
}

describe('transformer metrics', () => {
  it('count a processed batch by outcome and reason on the prom-client counter, every series from zero', async () => {
    const m = createTransformerMetrics();
    const before = await m.registry.getSingleMetric(RECORDS_METRIC)?.get();
    expect(before?.values.every((v) => v.value === 0)).toBe(true);
    expect(before?.values).toHaveLength(1 + 3 + 5);

    const r = await processedBatch();
    expect(r.counts).toMatchObject({ records: 5, lakeRows: 3, duplicates: 1, droppedBots: 1, bad: 2 });
    m.observe(r.outcomes);
    m.observe(r.outcomes);

    const got = (await m.records.get()).values
      .filter((v) => v.value > 0)
      .map((v) => [v.labels.outcome, v.labels.reason, v.value])
      .sort();
    expect(got).toEqual(ONE_BATCH.map(([o, r, n]) => [o, r, 2 * n]).sort());
    const text = await m.registry.metrics();
    expect(text).toContain(`${RECORDS_METRIC}{outcome="dropped",reason="duplicate"} 2`);
  });

  it('write one EMF log event per outcome and reason, shaped as the CloudWatch specification asks', async () => {
    const r = await processedBatch();
    const lines: string[] = [];
    writeEmf(r.outcomes, 1_764_900_000_000, (l) => lines.push(l));
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      // A log event that is one JSON object and nothing else, on one line.
      expect(line).not.toContain('\n');
      const doc = JSON.parse(line);
      expect(typeof doc).toBe('object');
      // Root: `_aws` with `Timestamp` (ms since the epoch) and `CloudWatchMetrics` (MetricDirectives).
      expect(doc._aws.Timestamp).toBe(1_764_900_000_000);
      expect(Array.isArray(doc._aws.CloudWatchMetrics)).toBe(true);
      for (const directive of doc._aws.CloudWatchMetrics) {
        expect(Object.keys(directive).sort()).toEqual(['Dimensions', 'Metrics', 'Namespace']);
        expect(directive.Namespace).toBe(EMF_NAMESPACE);
        // DimensionSets: arrays of at most 30 keys, each a root member holding a string.
        for (const set of directive.Dimensions) {
          expect(set.length).toBeGreaterThan(0);
          expect(set.length).toBeLessThanOrEqual(30);
          for (const key of set) expect(typeof doc[key]).toBe('string');
        }
        // MetricDefinitions: at most 100, a `Name` a root member holds a number for, a valid `Unit`.
        expect(directive.Metrics.length).toBeLessThanOrEqual(100);
        for (const metric of directive.Metrics) {
          expect(Object.keys(metric).sort()).toEqual(['Name', 'Unit']);
          expect(metric.Unit).toBe('Count');
          expect(typeof doc[metric.Name]).toBe('number');
        }
      }
    }
    const values = lines.map((l) => JSON.parse(l)).map((d) => [d.outcome, d.reason, d.Records]);
    expect(values).toEqual(ONE_BATCH);
  });

  it('leave zero counts out of EMF', () => {
    expect(emfDocuments(emptyOutcomeCounts(), 0)).toEqual([]);
  });
});
