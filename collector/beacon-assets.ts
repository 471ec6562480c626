/**
 * Loads the built beacon (`beacon/dist/`: `b.js` and `b.<hash>.js`, plus `.gz`/`.br` siblings when
 * the build wrote them) into memory, pre-compressing what is missing, so the route only picks an
 * encoding. Missing directory → no assets (the routes answer 404).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface BeaconAsset {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  contentType: string;
  /** Strong ETag of the uncompressed body (quoted); encodings get a suffix. */
  etag: string;
  /** Content-addressed name (`b.<hash>.js`): cached for a year. */
  immutable: boolean;
}

export interface BeaconAssets {
  files: Map<string, BeaconAsset>;
}

const HASHED = /^b\.[0-9A-Za-z_-]{6,}\.js$/;

export function beaconAsset(name: string, body: Buffer, gzip?: Buffer, br?: Buffer): BeaconAsset {
  return {
    body,
    gzip: gzip ?? gzipSync(body, { level: 9 }),
    br: br ?? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    contentType: 'text/javascript; charset=utf-8',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    immutable: HASHED.test(name),
  };
}

export function loadBeaconAssets(dir: string): BeaconAssets {
  const files = new Map<string, BeaconAsset>();
  if (!existsSync(dir)) return { files };
  for (const name of readdirSync(dir)) {
    if (name !== 'b.js' && !HASHED.test(name)) continue;
    const read = (suffix: string) => {
      const p = join(dir, name + suffix);
      return existsSync(p) ? readFileSync(p) : undefined;
    };
    files.set(name, beaconAsset(name, readFileSync(join(dir, name)), read('.gz'), read('.br')));
  }
  return { files };
}
