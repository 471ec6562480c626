/**
 * `npm run generate`: rewrites the checked-in generated files — the SQL under `schemas/generated/`,
 * README's configuration table, docs/operations.md's cost tables and the analysts' column tables in docs/. It lives outside `schemas/` because the README table comes from
 * `lib/config.ts`, and `schemas/` imports nothing but itself.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configTable } from '../lib/config.ts';
import { costDocSection } from '../lib/cost/report.ts';
import { COLUMNS_DOCS, type ColumnsDoc, withColumnsTable } from '../schemas/columns-doc.ts';
import { generatedFiles } from '../schemas/generated-files.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(repo, 'schemas', 'generated');
for (const [name, content] of Object.entries(generatedFiles())) {
  const path = join(root, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote schemas/generated/${name}`);
}

// README's configuration table comes from the same settings the loader validates.
const readmePath = join(repo, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = readme.replace(
  /<!-- config-table:start -->\n[\s\S]*?<!-- config-table:end -->/,
  `<!-- config-table:start -->\n${configTable()}\n<!-- config-table:end -->`,
);
if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('updated README.md config table');
}

// docs/operations.md's cost tables come from the cost model `alt cost` runs.
const opsPath = join(repo, 'docs', 'operations.md');
const ops = readFileSync(opsPath, 'utf8');
const opsUpdated = ops.replace(
  /<!-- cost-tables:start -->\n[\s\S]*?<!-- cost-tables:end -->/,
  `<!-- cost-tables:start -->\n${costDocSection()}\n<!-- cost-tables:end -->`,
);
if (opsUpdated !== ops) {
  writeFileSync(opsPath, opsUpdated);
  console.log('updated docs/operations.md cost tables');
}

// The analysts' column tables come from the lake column list.
for (const [engine, doc] of Object.entries(COLUMNS_DOCS) as [ColumnsDoc, string][]) {
  const path = join(repo, 'docs', doc);
  const text = readFileSync(path, 'utf8');
  const next = withColumnsTable(text, engine);
  if (next !== text) {
    writeFileSync(path, next);
    console.log(`updated docs/${doc} column table`);
  }
}
