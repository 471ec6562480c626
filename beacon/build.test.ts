import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BeaconManifest,
  buildBeacon,
  ensureBeacon,
  formatSizes,
  overBudget,
  readManifest,
  withBeaconCode,
} from './build.ts';

let dir: string;
let manifest: BeaconManifest;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'alt-beacon-build-'));
  manifest = await buildBeacon(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('beacon build', () => {
  it('stays within the size budget: ≤ 1,024 bytes gzipped, the core and the Web Vitals add-on each', () => {
    expect(manifest.bytes.gzip).toBeLessThanOrEqual(1024);
    expect(manifest.bytes.br).toBeLessThan(manifest.bytes.gzip);
    expect(manifest.vitals.bytes.gzip).toBeLessThanOrEqual(1024);
    expect(manifest.vitals.bytes.br).toBeLessThan(manifest.vitals.bytes.gzip);
    expect(overBudget(manifest)).toEqual([]);
    expect(
      overBudget({ ...manifest, vitals: { ...manifest.vitals, bytes: { raw: 1, gzip: 1025, br: 1 } } }),
    ).toEqual([manifest.vitals.file]);
  });

  it('prints raw, gzip and brotli bytes of both scripts', () => {
    const lines = formatSizes(manifest).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${manifest.file.replace('.', '\\.')} .*gzip +${manifest.bytes.gzip.toLocaleString('en-US')} B`,
      ),
    );
    expect(lines[1]).toMatch(/^b\.vitals-[0-9a-f]{8}\.js .*raw .*gzip .*brotli .*budget: gzip ≤ 1,024 B/);
  });

  it('writes b.js and the content-addressed b.<hash>.js with SRI integrity, gzip and brotli copies', async () => {
    const code = await readFile(join(dir, 'b.js'));
    expect(await readFile(join(dir, manifest.file))).toEqual(code);
    expect(manifest.file).toBe(`b.${manifest.hash}.js`);
    expect(manifest.hash).toBe(createHash('sha256').update(code).digest('hex').slice(0, 8));
    expect(manifest.integrity).toBe(`sha384-${createHash('sha384').update(code).digest('base64')}`);
    expect(manifest.bytes.raw).toBe(code.length);
    for (const name of ['b.js', manifest.file]) {
      const gz = await readFile(join(dir, `${name}.gz`));
      const br = await readFile(join(dir, `${name}.br`));
      expect(gunzipSync(gz)).toEqual(code);
      expect(brotliDecompressSync(br)).toEqual(code);
      expect(gz.length).toBe(manifest.bytes.gzip);
      expect(br.length).toBe(manifest.bytes.br);
    }
    expect(await readManifest(dir)).toEqual(manifest);
  });

  it('writes the add-on as b.vitals-<hash>.js only (no unhashed name: it is always SRI-pinned), with SRI, gzip and brotli', async () => {
    const v = manifest.vitals;
    expect(v.file).toBe(`b.vitals-${v.hash}.js`);
    // The collector serves and caches as immutable exactly the names of this pattern (collector/beacon-assets.ts).
    expect(v.file).toMatch(/^b\.[0-9A-Za-z_-]{6,}\.js$/);
    const code = await readFile(join(dir, v.file));
    expect(v.hash).toBe(createHash('sha256').update(code).digest('hex').slice(0, 8));
    expect(v.integrity).toBe(`sha384-${createHash('sha384').update(code).digest('base64')}`);
    expect(v.bytes.raw).toBe(code.length);
    expect(gunzipSync(await readFile(join(dir, `${v.file}.gz`)))).toEqual(code);
    expect(brotliDecompressSync(await readFile(join(dir, `${v.file}.br`)))).toEqual(code);
    expect((await readdir(dir)).filter((f) => f.endsWith('.js')).sort()).toEqual(
      ['b.js', manifest.file, v.file].sort(),
    );
  });

  it.each([
    ['the core', () => 'b.js'],
    ['the add-on', () => manifest.vitals.file],
  ])('%s is an ES2017 IIFE that declares no global but alt and never evaluates strings', async (_, file) => {
    const code = await readFile(join(dir, file()), 'utf8');
    expect(code.startsWith('(()=>{')).toBe(true);
    expect(code.endsWith('})();')).toBe(true);
    expect(code).not.toMatch(/\beval\(|new Function|document\.cookie|localStorage|\?\.|\?\?/);
    // The one global assignment (the add-on's: the queue stub when the page has none), and no prototype writes.
    expect(code.match(/\.alt=/g)).toHaveLength(1);
    expect(code).not.toMatch(/prototype/);
  });

  it('the add-on stores nothing on the device', async () => {
    expect(await readFile(join(dir, manifest.vitals.file), 'utf8')).not.toMatch(
      /sessionStorage|indexedDB|cookie/,
    );
  });

  it('is reproducible, and ensureBeacon rebuilds a stale or missing build only', async () => {
    const again = await mkdtemp(join(tmpdir(), 'alt-beacon-build-'));
    try {
      const second = await ensureBeacon(again); // missing: builds
      expect(second).toEqual(manifest);
      await writeFile(join(again, 'manifest.json'), JSON.stringify({ ...second, source: 'stale' }));
      expect(await ensureBeacon(again)).toEqual(manifest); // stale: rebuilt
      expect((await readManifest(again))?.source).toBe(manifest.source);
    } finally {
      await rm(again, { recursive: true, force: true });
    }
  });

  it('gives the code of both scripts for the inline snippet, and refuses files that are not the manifest’s build', async () => {
    const withCode = await withBeaconCode(manifest, dir);
    expect(withCode.code).toBe(await readFile(join(dir, manifest.file), 'utf8'));
    expect(withCode.vitals.code).toBe(await readFile(join(dir, manifest.vitals.file), 'utf8'));
    expect({ ...withCode, code: undefined, vitals: { ...withCode.vitals, code: undefined } }).toEqual({
      ...manifest,
      code: undefined,
      vitals: { ...manifest.vitals, code: undefined },
    });
    // A manifest naming another build than the files on disk (a hand-edited or half-copied dist).
    const other = { ...manifest, integrity: 'sha384-AAAA' };
    await expect(withBeaconCode(other, dir)).rejects.toThrow(/not the build its manifest names/);
  });
});
