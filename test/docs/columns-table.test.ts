/** The analysts' column tables are generated from `schemas/columns.ts` (`npm run generate`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAKE_COLUMNS } from '../../schemas/columns.ts';
import { COLUMNS_DOCS, type ColumnsDoc, columnsTable, withColumnsTable } from '../../schemas/columns-doc.ts';

const docs = join(import.meta.dirname, '..', '..', 'docs');

describe('analysts’ column tables', () => {
  for (const [engine, doc] of Object.entries(COLUMNS_DOCS) as [ColumnsDoc, string][]) {
    it(`docs/${doc} holds the current table (run \`npm run generate\` if this fails)`, () => {
      const text = readFileSync(join(docs, doc), 'utf8');
      expect(text).toContain('<!-- lake-columns:start -->');
      expect(withColumnsTable(text, engine)).toBe(text);
    });
  }

  it('lists every lake column with its version, the schema-2 ones with who sets them', () => {
    const athena = columnsTable('athena');
    for (const c of LAKE_COLUMNS) expect(athena).toContain(`| \`${c.name}\` |`);
    expect(athena).toContain('| `cls` | double | 2 (beacon add-on) |');
    expect(athena).toContain('| `country` | string | 2 (collector) |');
    expect(athena).toContain('| `schema_version` | int | 1 |');
    expect(columnsTable('snowflake')).toContain('| `"CLS"` | DOUBLE | 2 (beacon add-on) |');
  });
});
