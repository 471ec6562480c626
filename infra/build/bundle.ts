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
import { lambdaBinaryProblems, readElfFile } from './elf.ts';

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

/** The npm `--cpu` name of a Lambda architecture. */
export const npmCpu = (arch: Arch): 'arm64' | 'x64' => (arch === 'arm64' ? 'arm64' : 'x64');

/**
 * Installs `@duckdb/node-api` for the Lambda (linux/<arch>, glibc) into `dir/node_modules`
 * (network), then checks the binary it got (`verifyDuckdb`). Without `--libc=glibc` npm picks
 * the build host's libc: on Alpine the musl binding, and on macOS/Windows, where npm has no libc
 * to compare, possibly both or neither. `--libc` exists since npm 10.3
 * (https://docs.npmjs.com/cli/v10/commands/npm-install#libc); an unmatched platform package is an
 * optional dependency, which npm skips without an error — hence the check afterwards.
 */
export function installDuckdb(dir: string, arch: Arch, version: string): DuckdbCheck {
  npmInstallDuckdb(dir, { cpu: npmCpu(arch), libc: 'glibc' }, version);
  return verifyDuckdb(dir, arch);
}

/** `npm install @duckdb/node-api@<version>` for linux/<cpu>/<libc> into `dir/node_modules` (network). */
export function npmInstallDuckdb(
  dir: string,
  platform: { cpu: string; libc: 'glibc' | 'musl' },
  version: string,
): void {
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-save',
      '--no-package-lock',
      '--omit=dev',
      '--os=linux',
      `--cpu=${platform.cpu}`,
      `--libc=${platform.libc}`,
      '--prefix',
      dir,
      `@duckdb/node-api@${version}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export interface DuckdbCheck {
  /** The files checked: `duckdb.node` and the `libduckdb.so` it loads. */
  files: string[];
}

/**
 * Fails unless `dir/node_modules` holds what `@duckdb/node-bindings` loads on a glibc Linux of
 * this architecture (`@duckdb/node-bindings-linux-<cpu>/duckdb.node` and its `libduckdb.so`) and
 * both are ELF files for the Lambda's machine, linked against glibc. A musl twin next to it is
 * removed: the Lambda never loads it.
 */
export function verifyDuckdb(dir: string, arch: Arch): DuckdbCheck {
  const scope = path.join(dir, 'node_modules', '@duckdb');
  const pkg = path.join(scope, `node-bindings-linux-${npmCpu(arch)}`);
  const problems: string[] = [];
  if (!existsSync(path.join(scope, 'node-api', 'package.json'))) {
    problems.push(`${path.join(scope, 'node-api')} is missing`);
  }
  const files = ['duckdb.node', 'libduckdb.so'].map((f) => path.join(pkg, f));
  for (const file of files) {
    if (!existsSync(file)) {
      const present = existsSync(scope) ? readdirSync(scope).join(', ') : 'nothing';
      problems.push(`${file} is missing (node_modules/@duckdb has: ${present})`);
      continue;
    }
    try {
      for (const p of lambdaBinaryProblems(readElfFile(file), arch)) problems.push(`${file} ${p}`);
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `DuckDB for the ${arch} Lambda (linux, glibc) is not usable:\n  ${problems.join('\n  ')}`,
    );
  }
  rmSync(`${pkg}-musl`, { recursive: true, force: true });
  return { files };
}

/** Copies the built beacon (`b.js`, `b.<hash>.js`, the add-on `b.vitals-<hash>.js`) into `outDir`; fails if there is none. */
export function copyBeacon(fromDir: string, outDir: string): string[] {
  const files = existsSync(fromDir) ? readdirSync(fromDir).filter((f) => /^b(\.[\w-]+)?\.js$/.test(f)) : [];
  if (!files.includes('b.js')) throw new Error(`beacon: no b.js in ${fromDir} — build the beacon first`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of files) cpSync(path.join(fromDir, f), path.join(outDir, f));
  return files;
}
