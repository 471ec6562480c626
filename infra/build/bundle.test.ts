/** The bundler keeps DuckDB's native package external and writes an ESM Lambda-ready folder. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, copyBeacon } from './bundle.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'alt-bundle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bundle', () => {
  it('inlines project code, leaves @duckdb/* as an import, and marks the folder as ESM', async () => {
    const entry = path.join(dir, 'entry.ts');
    writeFileSync(path.join(dir, 'helper.ts'), 'export const answer = (n: number): number => n * 2;\n');
    writeFileSync(
      entry,
      "import { DuckDBInstance } from '@duckdb/node-api';\nimport { answer } from './helper.ts';\nexport const handler = async () => ({ a: answer(21), d: typeof DuckDBInstance });\n",
    );
    const out = await bundle({ entry, outDir: path.join(dir, 'out'), outFile: 'index.mjs' });
    const code = readFileSync(out, 'utf8');
    expect(code).toMatch(/from "@duckdb\/node-api"/);
    expect(code).toContain('n * 2');
    expect(JSON.parse(readFileSync(path.join(dir, 'out', 'package.json'), 'utf8'))).toEqual({
      type: 'module',
    });
    expect(existsSync(`${out}.map`)).toBe(true);
    // The bundle loads and runs; the external import is resolved at run time, not inlined.
    const mod = (await import(out)) as { handler: () => Promise<{ a: number; d: string }> };
    expect(await mod.handler()).toEqual({ a: 42, d: 'function' });
  });

  it('bundles the real migration Lambda entry (pg and the migrations inlined, the AWS SDK left to the runtime)', async () => {
    const out = await bundle({
      entry: path.resolve(import.meta.dirname, '../../transformer/drivers/migrate-entry.ts'),
      outDir: path.join(dir, 'migrate'),
      outFile: 'index.mjs',
    });
    const code = readFileSync(out, 'utf8');
    expect(code).toContain('export {');
    expect(code).toMatch(/schema_migrations/);
    expect(code).not.toMatch(/from "pg"/);
    expect(code).toContain('@aws-sdk/client-secrets-manager');
  });

  it('bundles the certificate renewer with acme-client and its AWS SDK clients inlined, and it loads', async () => {
    const out = await bundle({
      entry: path.resolve(import.meta.dirname, '../../lib/certificate/renewer-entry.ts'),
      outDir: path.join(dir, 'certificate-renewer'),
      outFile: 'index.mjs',
    });
    const code = readFileSync(out, 'utf8');
    // Only Node's own modules stay imports: nothing to install beside the bundle.
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imports.filter((m) => !m?.startsWith('node:'))).toEqual([]);
    expect(code).toContain('ImportCertificateCommand');
    expect(code).toContain('ChangeResourceRecordSetsCommand');
    const mod = (await import(out)) as { handler: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it('refuses a missing entry point by name', async () => {
    await expect(
      bundle({ entry: path.join(dir, 'nope.ts'), outDir: path.join(dir, 'x'), outFile: 'index.mjs' }),
    ).rejects.toThrow(/nope\.ts does not exist/);
  });

  it('copies only beacon files and requires b.js', () => {
    const from = path.join(dir, 'beacon');
    mkdirSync(from);
    writeFileSync(path.join(from, 'b.js'), '1');
    writeFileSync(path.join(from, 'b.9f8e7d6c.js'), '1');
    writeFileSync(path.join(from, 'b.vitals-1a2b3c4d.js'), '1'); // the Web Vitals add-on ships too
    writeFileSync(path.join(from, 'README.md'), '1');
    expect(copyBeacon(from, path.join(dir, 'beacon-out')).sort()).toEqual([
      'b.9f8e7d6c.js',
      'b.js',
      'b.vitals-1a2b3c4d.js',
    ]);
    rmSync(path.join(from, 'b.js'));
    expect(() => copyBeacon(from, path.join(dir, 'beacon-out2'))).toThrow(/no b\.js/);
  });
});
