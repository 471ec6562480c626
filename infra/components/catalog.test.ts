/**
 * The Glue table's projection and the saved data-quality queries, as the Catalog component
 * registers them (Pulumi mocks), evaluated together: each saved check, run against every partition
 * the registered projection can produce, keeps only the last days' hours — the partitions Athena
 * would read — instead of the whole projection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckdbEngine } from '../../query/duckdb-engine.ts';
import { type QueryEngine, rowObjects } from '../../query/engine.ts';
import { DEFAULT_QUALITY_DAYS, PARTITION_COLUMNS, windowPredicate } from '../../schemas/index.ts';
import { installMocks, type MockRun, resolve, settle } from '../testing/harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: recorded inputs are untyped JSON
type Inputs = Record<string, any>;

let run: MockRun;
let engine: QueryEngine;
let table: Inputs;
let quality: { name: string; query: string }[];

beforeAll(async () => {
  run = await installMocks('dev', 'eu-west-1');
  const { Catalog } = await import('./catalog.ts');
  const catalog = new Catalog('t-catalog', {
    databaseName: 'alt_t',
    lakeBucketName: 'acme-alt-lake',
    lakeKeyArn: 'arn:aws:kms:eu-west-1:210987654321:key/1',
    bytesScannedCutoff: 10 * 1024 ** 3,
  });
  await resolve(catalog.workgroup.name);
  await settle();
  table = run.resources.find((r) => r.type === 'aws:glue/catalogTable:CatalogTable')?.inputs as Inputs;
  quality = run.resources
    .filter(
      (r) => r.type === 'aws:athena/namedQuery:NamedQuery' && String(r.inputs.name).startsWith('quality_'),
    )
    .map((r) => ({ name: String(r.inputs.name), query: String(r.inputs.query) }));
  engine = await createDuckdbEngine({ lakeDir: '/nonexistent-alt-lake' });
  const ranges = PARTITION_COLUMNS.map((p) =>
    table.parameters[`projection.${p.name}.range`].split(',').map(Number),
  );
  const cols = PARTITION_COLUMNS.map(
    (p, i) => `range(${ranges[i][0]}, ${ranges[i][1] + 1}) ${p.name[0]}(${p.name})`,
  );
  // Every hour partition the registered projection can produce.
  await engine.run(`CREATE TABLE projected AS SELECT year, month, day, hour FROM ${cols.join(', ')}`);
});
afterAll(async () => {
  await engine?.close();
});

describe('Catalog', () => {
  it('projects the lake first year to next year, not 2020–2100', () => {
    const [first, last] = table.parameters['projection.year.range'].split(',').map(Number);
    expect(last).toBe(new Date().getUTCFullYear() + 1);
    expect(last - first).toBeLessThanOrEqual(2);
  });

  it('saves every data-quality check behind a window that reads only the last days of the projection', async () => {
    expect(quality.map((q) => q.name)).toHaveLength(7);
    const window = { days: DEFAULT_QUALITY_DAYS };
    const count = async (where: string) =>
      Number(rowObjects(await engine.run(`SELECT count(*) AS n FROM projected WHERE ${where}`))[0].n);
    const total = await count('true');
    for (const q of quality) {
      const w = windowPredicate(window, { nullable: q.name === 'quality_null_partition' });
      expect(q.query, q.name).toContain(` WHERE ${w} `);
      const read = await count(w);
      // Today and the days before it that the projection covers, 24 hours each.
      expect(read % 24, q.name).toBe(0);
      expect(read, q.name).toBeGreaterThanOrEqual(24);
      expect(read, q.name).toBeLessThanOrEqual(DEFAULT_QUALITY_DAYS * 24);
      expect(total, q.name).toBeGreaterThan(read * 50);
    }
  });
});
