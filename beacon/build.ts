/**
 * Builds the beacon: esbuild (bundle, IIFE, ES2017) then terser → `b.js` and the immutable,
 * content-addressed `b.<hash8>.js`, each with `.gz` and `.br` next to it, plus `manifest.json`
 * (file, hash, SRI integrity, sizes). `npm run build:beacon` writes `beacon/dist/` and prints
 * the sizes; tests and the collector call `ensureBeacon()` so a stale build is never served.
 *
 * Old `b.<hash>.js` files are kept on purpose: sites pin a hashed URL with SRI, so a file once
 * published must keep answering.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { minify } from 'terser';

const HERE = dirname(fileURLToPath(import.meta.url));
export const BEACON_SOURCE = join(HERE, 'src', 'beacon.ts');
export const BEACON_DIST = join(HERE, 'dist');
/** Bump when the build options change, so `ensureBeacon` rebuilds outputs of an older build. */
const BUILD_VERSION = 1;

export type BeaconManifest = {
  /** hashed file name, e.g. `b.1a2b3c4d.js` (served immutable) */
  file: string;
  /** first 8 hex digits of the SHA-256 of the minified script */
  hash: string;
  /** Subresource Integrity value for the `<script integrity>` attribute */
  integrity: string;
  bytes: { raw: number; gzip: number; br: number };
  /** SHA-256 of the source and build version that produced this output (staleness check) */
  source: string;
};

export type BeaconBuild = { code: string; manifest: BeaconManifest };

async function sourceHash(): Promise<string> {
  const src = await readFile(BEACON_SOURCE);
  return createHash('sha256').update(`v${BUILD_VERSION}\n`).update(src).digest('hex');
}

/** Compiles and minifies the beacon in memory. */
export async function compileBeacon(): Promise<BeaconBuild> {
  const bundled = await build({
    entryPoints: [BEACON_SOURCE],
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
  const manifest: BeaconManifest = {
    file: `b.${hash}.js`,
    hash,
    integrity: `sha384-${createHash('sha384').update(buf).digest('base64')}`,
    bytes: { raw: buf.length, gzip: gzip(buf).length, br: brotli(buf).length },
    source: await sourceHash(),
  };
  return { code, manifest };
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
  const { code, manifest } = await compileBeacon();
  await mkdir(outDir, { recursive: true });
  const buf = Buffer.from(code);
  for (const name of ['b.js', manifest.file]) {
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

export function formatSizes(m: BeaconManifest): string {
  const n = (x: number) => x.toLocaleString('en-US').padStart(6);
  return `${m.file}  raw ${n(m.bytes.raw)} B  gzip ${n(m.bytes.gzip)} B  brotli ${n(m.bytes.br)} B  (budget: gzip ≤ 1,024 B)`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = await buildBeacon();
  console.log(`beacon/dist/${formatSizes(manifest)}`);
  if (manifest.bytes.gzip > 1024) {
    console.error('beacon: gzipped size is over the 1,024-byte budget');
    process.exit(1);
  }
}
