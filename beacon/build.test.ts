import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BeaconManifest, buildBeacon, ensureBeacon, readManifest } from './build.ts';

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
  it('stays within the size budget: ≤ 1,024 bytes gzipped', () => {
    expect(manifest.bytes.gzip).toBeLessThanOrEqual(1024);
    expect(manifest.bytes.br).toBeLessThan(manifest.bytes.gzip);
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

  it('is an ES2017 IIFE that declares no global but alt and never evaluates strings', async () => {
    const code = await readFile(join(dir, 'b.js'), 'utf8');
    expect(code.startsWith('(()=>{')).toBe(true);
    expect(code.endsWith('})();')).toBe(true);
    expect(code).not.toMatch(/\beval\(|new Function|document\.cookie|localStorage|\?\.|\?\?/);
    // The one global assignment, and no prototype writes.
    expect(code.match(/\.alt=/g)).toHaveLength(1);
    expect(code).not.toMatch(/prototype/);
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
});
