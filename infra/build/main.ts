/**
 * Builds the deploy artifacts the stack uploads:
 *   npx tsx infra/build/main.ts --out .alt-artifacts [--arch arm64|x86_64] [--beacon-dir beacon/dist]
 * Writes `<out>/collector/main.mjs`, `<out>/transformer/index.mjs` (+ DuckDB for linux/<arch>),
 * `<out>/migrate/index.mjs` and `<out>/beacon/b*.js`. Needs network for the DuckDB install.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Arch } from '../config.ts';
import { bundle, copyBeacon, installDuckdb } from './bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

export const ENTRIES = {
  collector: { entry: 'collector/main.ts', outFile: 'main.mjs' },
  transformer: { entry: 'transformer/drivers/lambda-entry.ts', outFile: 'index.mjs' },
  migrate: { entry: 'infra/build/migrate-handler.ts', outFile: 'index.mjs' },
} as const;

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '.alt-artifacts' },
      arch: { type: 'string', default: 'arm64' },
      'beacon-dir': { type: 'string', default: 'beacon/dist' },
    },
  });
  const arch = values.arch as Arch;
  if (arch !== 'arm64' && arch !== 'x86_64') throw new Error(`--arch: expected arm64 or x86_64, got ${arch}`);
  const out = path.resolve(values.out);
  for (const [part, e] of Object.entries(ENTRIES)) {
    const file = await bundle({
      entry: path.join(ROOT, e.entry),
      outDir: path.join(out, part),
      outFile: e.outFile,
    });
    console.log(`${part}: ${path.relative(ROOT, file)}`);
  }
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const duckdb = pkg.dependencies['@duckdb/node-api'].replace(/^[\^~]/, '');
  installDuckdb(path.join(out, 'transformer'), arch, duckdb);
  const files = copyBeacon(path.resolve(values['beacon-dir']), path.join(out, 'beacon'));
  console.log(`beacon: ${files.join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
