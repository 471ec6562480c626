/**
 * Builds the beacon: esbuild (bundle, IIFE, ES2017) then terser → `b.js` and the immutable,
 * content-addressed `b.<hash8>.js`, each with `.gz` and `.br` next to it; the same for the opt-in
 * Web Vitals add-on (`src/vitals.ts` → `b.vitals-<hash8>.js`, hashed name only: it is always
 * pinned with SRI next to a hashed core); plus `manifest.json` (file, hash, SRI integrity, sizes
 * of each). `npm run build:beacon` writes `beacon/dist/`, prints the sizes and fails over budget;
 * tests and the collector call `ensureBeacon()` so a stale build is never served.
 *
 * Both names match the collector's and the CDN's `b.<name>.js` pattern, so they are served, and
 * cached as immutable, with no change there.
 *
 * Old hashed files are kept on purpose: sites pin a hashed URL with SRI, so a file once
 * published must keep answering.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { minify } from 'terser';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = join(HERE, 'src');
export const BEACON_SOURCE = join(SRC, 'beacon.ts');
export const VITALS_SOURCE = join(SRC, 'vitals.ts');
export const BEACON_DIST = join(HERE, 'dist');
/** Bump when the build options change, so `ensureBeacon` rebuilds outputs of an older build. */
const BUILD_VERSION = 2;
/** Gzipped size budget of each script (DESIGN §8; issue #19 for the add-on on its own). */
export const GZIP_BUDGET = 1024;

/** One built script. */
export type BeaconFile = {
  /** hashed file name, e.g. `b.1a2b3c4d.js` (served immutable) */
  file: string;
  /** first 8 hex digits of the SHA-256 of the minified script */
  hash: string;
  /** Subresource Integrity value for the `<script integrity>` attribute */
  integrity: string;
  bytes: { raw: number; gzip: number; br: number };
};

/** The core beacon's file at the top level (as before the add-on), the add-on's under `vitals`. */
export type BeaconManifest = BeaconFile & {
  /** the opt-in Web Vitals add-on */
  vitals: BeaconFile;
  /** SHA-256 of the sources and build version that produced this output (staleness check) */
  source: string;
};

export type BeaconBuild = { code: string; vitalsCode: string; manifest: BeaconManifest };

/** Every file under `src/` (both scripts and what they share), with the build version. */
async function sourceHash(): Promise<string> {
  const h = createHash('sha256').update(`v${BUILD_VERSION}\n`);
  for (const name of (await readdir(SRC)).sort()) {
    h.update(`${name}\n`).update(await readFile(join(SRC, name)));
  }
  return h.digest('hex');
}

/** Compiles and minifies the core beacon and the add-on in memory. */
export async function compileBeacon(): Promise<BeaconBuild> {
  const [core, vitals] = await Promise.all([
    compile(BEACON_SOURCE, 'b.'),
    compile(VITALS_SOURCE, 'b.vitals-'),
  ]);
  return {
    code: core.code,
    vitalsCode: vitals.code,
    manifest: { ...core.file, vitals: vitals.file, source: await sourceHash() },
  };
}

/** One entry point → minified code and its hashed name, `<prefix><hash8>.js`. */
async function compile(entry: string, prefix: string): Promise<{ code: string; file: BeaconFile }> {
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    target: 'es2017',
    platform: 'browser',
    write: false,
    legalComments: 'none',
    // esbuild's minifier first, then terser on its output: measured smaller than either alone.
    minify: true,
    logLevel: 'silent',
  });
  const min = await minify(bundled.outputFiles[0].text, {
    ecma: 2017,
    toplevel: true,
    compress: {
      passes: 5,
      unsafe: true,
      unsafe_arrows: true,
      unsafe_methods: true,
      unsafe_comps: true,
      pure_getters: true,
      booleans_as_integers: true,
      keep_fargs: false,
    },
    // Every property name we use is a wire field, a DOM API or the stub contract (`alt.q`);
    // only names we mark private with a leading underscore are safe to shorten.
    mangle: { toplevel: true, properties: { regex: /^_/ } },
    format: { comments: false, ascii_only: true },
  });
  // The IIFE needs no strict-mode directive (the source does not rely on strict semantics).
  const code = min.code!.replace(/^"use strict";/, '');
  const buf = Buffer.from(code);
  const hash = createHash('sha256').update(buf).digest('hex').slice(0, 8);
  return {
    code,
    file: {
      file: `${prefix}${hash}.js`,
      hash,
      integrity: `sha384-${createHash('sha384').update(buf).digest('base64')}`,
      bytes: { raw: buf.length, gzip: gzip(buf).length, br: brotli(buf).length },
    },
  };
}

const gzip = (b: Buffer) => gzipSync(b, { level: 9 });
const brotli = (b: Buffer) =>
  brotliCompressSync(b, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: b.length },
  });

/** Writes atomically (temp file + rename) so a concurrent reader never sees half a file. */
async function put(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Builds into `outDir` (default `beacon/dist`) and returns the manifest. */
export async function buildBeacon(outDir = BEACON_DIST): Promise<BeaconManifest> {
  const { code, vitalsCode, manifest } = await compileBeacon();
  await mkdir(outDir, { recursive: true });
  const outputs: [string, string][] = [
    ['b.js', code],
    [manifest.file, code],
    [manifest.vitals.file, vitalsCode],
  ];
  for (const [name, text] of outputs) {
    const buf = Buffer.from(text);
    await put(join(outDir, name), buf);
    await put(join(outDir, `${name}.gz`), gzip(buf));
    await put(join(outDir, `${name}.br`), brotli(buf));
  }
  // The manifest last: its presence means the files it names are complete.
  await put(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads the manifest in `outDir`, or undefined when there is none. */
export async function readManifest(outDir = BEACON_DIST): Promise<BeaconManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as BeaconManifest;
  } catch {
    return undefined;
  }
}

/** The manifest of an up-to-date build in `outDir`, building first when missing or stale. */
export async function ensureBeacon(outDir = BEACON_DIST): Promise<BeaconManifest> {
  const current = await readManifest(outDir);
  if (current && current.source === (await sourceHash())) return current;
  return buildBeacon(outDir);
}

/** A manifest with the code of both scripts, for the inline snippet (`beacon/snippet.ts`). */
export type BeaconWithCode = BeaconManifest & { code: string; vitals: BeaconFile & { code: string } };

/**
 * `m` with the code of its hashed files in `outDir`, each checked against the manifest's SRI
 * integrity: an inline snippet must carry exactly the build the manifest names (its CSP hash is
 * printed from the same code).
 */
export async function withBeaconCode(m: BeaconManifest, outDir = BEACON_DIST): Promise<BeaconWithCode> {
  const read = async (f: BeaconFile) => {
    const buf = await readFile(join(outDir, f.file));
    if (`sha384-${createHash('sha384').update(buf).digest('base64')}` !== f.integrity)
      throw new Error(`${join(outDir, f.file)} is not the build its manifest names (integrity differs)`);
    return buf.toString('utf8');
  };
  const [code, vitalsCode] = await Promise.all([read(m), read(m.vitals)]);
  return { ...m, code, vitals: { ...m.vitals, code: vitalsCode } };
}

/** One line per script: raw, gzip and brotli bytes against the budget. */
export function formatSizes(m: BeaconManifest, dir = ''): string {
  const n = (x: number) => x.toLocaleString('en-US').padStart(6);
  const width = Math.max(m.file.length, m.vitals.file.length);
  return [m, m.vitals]
    .map(
      (f) =>
        `${dir}${f.file.padEnd(width)}  raw ${n(f.bytes.raw)} B  gzip ${n(f.bytes.gzip)} B  brotli ${n(f.bytes.br)} B  (budget: gzip ≤ ${GZIP_BUDGET.toLocaleString('en-US')} B)`,
    )
    .join('\n');
}

/** The scripts over the gzip budget (empty when all fit). */
export function overBudget(m: BeaconManifest): string[] {
  return [m, m.vitals].filter((f) => f.bytes.gzip > GZIP_BUDGET).map((f) => f.file);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = await buildBeacon();
  console.log(formatSizes(manifest, 'beacon/dist/'));
  const over = overBudget(manifest);
  if (over.length) {
    console.error(
      `beacon: gzipped size over the ${GZIP_BUDGET.toLocaleString('en-US')}-byte budget: ${over.join(', ')}`,
    );
    process.exit(1);
  }
}
