/**
 * Deploy artifacts for the stack (`artifactsDir`): esbuild bundles of the collector, the
 * transformer Lambda and the migration Lambda, plus the built beacon files. DuckDB's native binding
 * cannot be bundled: `@duckdb/*` stays external and `installDuckdb` installs the package for the
 * Lambda's OS/CPU beside the bundle (at deploy time only — it downloads the binary).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import type { Arch } from '../config.ts';
import { esbuildTarget, NODE_MAJOR } from '../node-line.ts';

export const EXTERNAL = ['@duckdb/*'];

export interface BundleOptions {
  entry: string;
  outDir: string;
  /** Output file name inside outDir: `index.mjs` for Lambdas (handler `index.handler`), `main.mjs` for the collector. */
  outFile: string;
}

/** esbuild's target: the Node line the Lambdas and collector hosts run (infra/node-line.ts). */
export const BUNDLE_TARGET = esbuildTarget(NODE_MAJOR);

/** One ESM file for BUNDLE_TARGET with source maps; `require` shimmed for CommonJS dependencies. */
export async function bundle(opts: BundleOptions): Promise<string> {
  if (!existsSync(opts.entry)) throw new Error(`bundle: entry ${opts.entry} does not exist`);
  mkdirSync(opts.outDir, { recursive: true });
  const outfile = path.join(opts.outDir, opts.outFile);
  await build({
    entryPoints: [opts.entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'esm',
    sourcemap: 'linked',
    minify: false,
    legalComments: 'none',
    external: EXTERNAL,
    banner: {
      js: "import { createRequire as __altCreateRequire } from 'node:module'; const require = __altCreateRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  // Marks the folder as ESM for Node and for the Lambda runtime.
  writeFileSync(path.join(opts.outDir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);
  return outfile;
}

/** Installs `@duckdb/node-api` for linux/<arch> into `dir/node_modules` (network; deploy time only). */
export function installDuckdb(dir: string, arch: Arch, version: string): void {
  const cpu = arch === 'arm64' ? 'arm64' : 'x64';
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--omit=dev',
      `--os=linux`,
      `--cpu=${cpu}`,
      `--prefix`,
      dir,
      `@duckdb/node-api@${version}`,
    ],
    { stdio: 'inherit' },
  );
}

/** Copies the built beacon (`b.js`, `b.<hash>.js`) into `outDir`; fails if there is none. */
export function copyBeacon(fromDir: string, outDir: string): string[] {
  const files = existsSync(fromDir) ? readdirSync(fromDir).filter((f) => /^b(\.[\w-]+)?\.js$/.test(f)) : [];
  if (!files.includes('b.js')) throw new Error(`beacon: no b.js in ${fromDir} — build the beacon first`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of files) cpSync(path.join(fromDir, f), path.join(outDir, f));
  return files;
}
