import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBeaconAssets } from './beacon-assets.ts';

describe('loadBeaconAssets', () => {
  let dir: string;
  const src = Buffer.from('window.alt=function(){};'.repeat(10));
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'alt-beacon-'));
    await writeFile(join(dir, 'b.js'), src);
    await writeFile(join(dir, 'b.1a2b3c4d.js'), src);
    // A build's own .gz is served as written (not recompressed).
    await writeFile(join(dir, 'b.1a2b3c4d.js.gz'), gzipSync(src, { level: 1 }));
    await writeFile(join(dir, 'manifest.json'), '{}');
    await writeFile(join(dir, 'other.js'), 'x');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('loads b.js and hashed names only, with gzip and br, ETags and immutability', () => {
    const { files } = loadBeaconAssets(dir);
    expect([...files.keys()].sort()).toEqual(['b.1a2b3c4d.js', 'b.js']);
    const hashed = files.get('b.1a2b3c4d.js')!;
    expect(hashed.immutable).toBe(true);
    expect(files.get('b.js')!.immutable).toBe(false);
    expect(hashed.gzip!.equals(gzipSync(src, { level: 1 }))).toBe(true);
    expect(gunzipSync(files.get('b.js')!.gzip!).equals(src)).toBe(true);
    expect(hashed.br!.length).toBeGreaterThan(0);
    expect(hashed.etag).toBe(files.get('b.js')!.etag);
    expect(hashed.contentType).toContain('javascript');
  });

  it('returns no files when the beacon is not built', () => {
    expect(loadBeaconAssets(join(dir, 'missing')).files.size).toBe(0);
  });
});
