/** Writes `schemas/generated/` (run by `npm run generate`). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configTable } from '../lib/config.ts';
import { generatedFiles } from './generated-files.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), 'generated');
for (const [name, content] of Object.entries(generatedFiles())) {
  const path = join(root, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  console.log(`wrote schemas/generated/${name}`);
}

// README's configuration table comes from the same settings the loader validates.
const readmePath = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const updated = readme.replace(
  /<!-- config-table:start -->\n[\s\S]*?<!-- config-table:end -->/,
  `<!-- config-table:start -->\n${configTable()}\n<!-- config-table:end -->`,
);
if (updated !== readme) {
  writeFileSync(readmePath, updated);
  console.log('updated README.md config table');
}
