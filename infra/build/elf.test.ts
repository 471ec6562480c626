/**
 * The ELF reader and the DuckDB check on real binaries: the arm64 build the Lambda gets, installed
 * from the npm registry as `npm run build:aws` installs it; its musl twin; the x64 build in this
 * checkout's node_modules; this Node executable.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDuckdb, npmInstallDuckdb, verifyDuckdb } from './bundle.ts';
import {
  EM_AARCH64,
  EM_X86_64,
  lambdaBinaryProblems,
  libcOf,
  NotElfError,
  parseElf,
  readElfFile,
} from './elf.ts';
import { duckdbVersion } from './main.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const LOCAL_X64 = path.join(ROOT, 'node_modules', '@duckdb', 'node-bindings-linux-x64');

let dir: string;
let arm64: string;
let musl: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'alt-elf-'));
  arm64 = path.join(dir, 'arm64');
  musl = path.join(dir, 'musl');
  // The build's own install, on a host where npm's libc default is musl (Alpine; npm also takes
  // its defaults from npm_config_* variables): without --libc=glibc npm installs the musl binding.
  const saved = process.env.npm_config_libc;
  process.env.npm_config_libc = 'musl';
  try {
    installDuckdb(arm64, 'arm64', duckdbVersion());
  } finally {
    if (saved === undefined) delete process.env.npm_config_libc;
    else process.env.npm_config_libc = saved;
  }
  // The musl build itself, as such a host's npm picks it.
  npmInstallDuckdb(musl, { cpu: 'arm64', libc: 'musl' }, duckdbVersion());
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bindings = (root: string, pkg: string, file = 'duckdb.node') =>
  path.join(root, 'node_modules', '@duckdb', pkg, file);

describe('parseElf on real binaries', () => {
  it("reads the arm64 Lambda's duckdb.node: 64-bit little-endian AArch64 shared object linked against glibc", () => {
    const info = readElfFile(bindings(arm64, 'node-bindings-linux-arm64'));
    expect(info).toMatchObject({ bits: 64, littleEndian: true, type: 3, machine: EM_AARCH64 });
    expect(info.needed).toEqual(expect.arrayContaining(['libduckdb.so', 'libc.so.6']));
    expect(libcOf(info)).toBe('glibc');
    expect(lambdaBinaryProblems(info, 'arm64')).toEqual([]);
    const lib = readElfFile(bindings(arm64, 'node-bindings-linux-arm64', 'libduckdb.so'));
    expect([lib.machine, libcOf(lib)]).toEqual([EM_AARCH64, 'glibc']);
  });

  it('reads the musl build as musl (libc.musl-aarch64.so.1) and refuses it for the Lambda', () => {
    const info = readElfFile(bindings(musl, 'node-bindings-linux-arm64-musl'));
    expect(info.machine).toBe(EM_AARCH64);
    expect(info.needed).toContain('libc.musl-aarch64.so.1');
    expect(lambdaBinaryProblems(info, 'arm64')).toEqual([
      'is linked against musl (libc.musl-aarch64.so.1), the Lambda runtime has glibc',
    ]);
  });

  it('refuses the x64 binary for arm64 and accepts it for x86_64', () => {
    const info = readElfFile(path.join(LOCAL_X64, 'duckdb.node'));
    expect(info.machine).toBe(EM_X86_64);
    expect(lambdaBinaryProblems(info, 'arm64')).toEqual([
      'is built for x86-64, the arm64 Lambda needs AArch64',
    ]);
    expect(lambdaBinaryProblems(info, 'x86_64')).toEqual([]);
    expect(lambdaBinaryProblems(readElfFile(bindings(arm64, 'node-bindings-linux-arm64')), 'x86_64')).toEqual(
      ['is built for AArch64, the x86_64 Lambda needs x86-64'],
    );
  });

  it("reads an executable's program interpreter (this Node binary)", () => {
    const info = readElfFile(process.execPath);
    expect(info.type).toBe(2);
    expect(info.interpreter).toMatch(/ld-linux-x86-64\.so\.2$/);
    expect(libcOf(info)).toBe('glibc');
  });

  it('refuses what is not an ELF file, or is cut short', () => {
    const text = path.join(dir, 'duckdb.node.txt');
    writeFileSync(text, 'module.exports = {}\n');
    expect(() => readElfFile(text)).toThrow(NotElfError);
    const whole = new Uint8Array(readFileSync(path.join(LOCAL_X64, 'duckdb.node')));
    const cut = whole.subarray(0, 40);
    expect(() => parseElf((o, n) => cut.subarray(o, o + n))).toThrow(/truncated ELF/);
  });
});

describe('verifyDuckdb (the build step that fails on a wrong binary)', () => {
  /** A node_modules like the build's, with the glibc package's files taken from `from`. */
  function fakeInstall(name: string, from: string): string {
    const root = path.join(dir, name);
    cpSync(path.join(arm64, 'node_modules'), path.join(root, 'node_modules'), { recursive: true });
    const pkg = path.join(root, 'node_modules', '@duckdb', 'node-bindings-linux-arm64');
    for (const f of ['duckdb.node', 'libduckdb.so']) cpSync(path.join(from, f), path.join(pkg, f));
    return root;
  }

  it('accepts what the build installed for arm64 on a musl-default host: the glibc binding, no musl twin', () => {
    expect(verifyDuckdb(arm64, 'arm64').files).toHaveLength(2);
    expect(readdirSync(path.join(arm64, 'node_modules', '@duckdb')).sort()).toEqual([
      'node-api',
      'node-bindings',
      'node-bindings-linux-arm64',
    ]);
  });

  it('fails when the glibc package was skipped (only the musl one installed)', () => {
    expect(() => verifyDuckdb(musl, 'arm64')).toThrow(
      /node-bindings-linux-arm64\/duckdb\.node is missing \(node_modules\/@duckdb has: node-api, node-bindings, node-bindings-linux-arm64-musl\)/,
    );
  });

  it('fails when the arm64 package holds x64 or musl binaries', () => {
    expect(() => verifyDuckdb(fakeInstall('x64', LOCAL_X64), 'arm64')).toThrow(
      /duckdb\.node is built for x86-64, the arm64 Lambda needs AArch64/,
    );
    const muslPkg = path.join(musl, 'node_modules', '@duckdb', 'node-bindings-linux-arm64-musl');
    expect(() => verifyDuckdb(fakeInstall('musl-in-glibc', muslPkg), 'arm64')).toThrow(
      /libduckdb\.so is linked against musl/,
    );
  });

  it('fails when the package is there but its library is not', () => {
    const root = fakeInstall(
      'no-lib',
      path.join(arm64, 'node_modules', '@duckdb', 'node-bindings-linux-arm64'),
    );
    rmSync(path.join(root, 'node_modules', '@duckdb', 'node-bindings-linux-arm64', 'libduckdb.so'));
    expect(() => verifyDuckdb(root, 'arm64')).toThrow(/libduckdb\.so is missing/);
  });
});
