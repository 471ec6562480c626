/**
 * A small ELF reader for one question: will this native binary load on the Lambda? It reads the
 * file header (class, byte order, machine), the program headers (PT_INTERP, PT_DYNAMIC, PT_LOAD)
 * and the dynamic section's DT_NEEDED names, which say which C library the binary was linked
 * against. Layout: the System V ABI's ELF chapter (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html,
 * https://refspecs.linuxfoundation.org/elf/gabi4+/ch5.dynamic.html).
 *
 * `parseElf` reads through a callback so a 60 MB shared library is not loaded whole: only the
 * headers and the dynamic section are read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

const MACHINE_NAMES: Record<number, string> = {
  3: 'x86 (i386)',
  40: 'ARM (32-bit)',
  [EM_X86_64]: 'x86-64',
  [EM_AARCH64]: 'AArch64',
};

export const machineName = (m: number): string => MACHINE_NAMES[m] ?? `machine ${m}`;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

export interface ElfInfo {
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_type: 2 executable, 3 shared object. */
  type: number;
  /** e_machine, e.g. EM_AARCH64 (183), EM_X86_64 (62). */
  machine: number;
  /** PT_INTERP: the program interpreter of an executable (absent in shared libraries). */
  interpreter?: string;
  /** DT_NEEDED: the shared libraries it links against, in order. */
  needed: string[];
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

export class NotElfError extends Error {}

export function parseElf(read: ReadAt): ElfInfo {
  const ident = read(0, 16);
  if (ident.length < 16 || ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46) {
    throw new NotElfError('not an ELF file (no \\x7fELF magic)');
  }
  const bits = ident[4] === 1 ? 32 : ident[4] === 2 ? 64 : 0;
  if (bits === 0) throw new NotElfError(`unknown ELF class ${ident[4]}`);
  const littleEndian = ident[5] === 1;
  if (ident[5] !== 1 && ident[5] !== 2) throw new NotElfError(`unknown ELF data encoding ${ident[5]}`);

  const view = (offset: number, length: number) => {
    const b = read(offset, length);
    if (b.length < length) throw new NotElfError(`truncated ELF: ${length} bytes at ${offset} not in file`);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  };
  const word = (v: DataView, at: number) =>
    bits === 64 ? Number(v.getBigUint64(at, littleEndian)) : v.getUint32(at, littleEndian);

  const header = view(0, bits === 64 ? 64 : 52);
  const type = header.getUint16(16, littleEndian);
  const machine = header.getUint16(18, littleEndian);
  const phoff = word(header, bits === 64 ? 32 : 28);
  const phentsize = header.getUint16(bits === 64 ? 54 : 42, littleEndian);
  const phnum = header.getUint16(bits === 64 ? 56 : 44, littleEndian);

  interface Segment {
    type: number;
    offset: number;
    vaddr: number;
    filesz: number;
  }
  const segments: Segment[] = [];
  if (phoff > 0 && phnum > 0) {
    const ph = view(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      segments.push(
        bits === 64
          ? {
              type: ph.getUint32(at, littleEndian),
              offset: word(ph, at + 8),
              vaddr: word(ph, at + 16),
              filesz: word(ph, at + 32),
            }
          : {
              type: ph.getUint32(at, littleEndian),
              offset: word(ph, at + 4),
              vaddr: word(ph, at + 8),
              filesz: word(ph, at + 16),
            },
      );
    }
  }

  const cString = (offset: number): string => {
    let out = '';
    for (let at = offset; ; at += 256) {
      const chunk = read(at, 256);
      const end = chunk.indexOf(0);
      out += Buffer.from(end >= 0 ? chunk.subarray(0, end) : chunk).toString('latin1');
      if (end >= 0 || chunk.length < 256) return out;
    }
  };

  const interp = segments.find((s) => s.type === PT_INTERP);
  const interpreter = interp ? cString(interp.offset) : undefined;

  const needed: string[] = [];
  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic) {
    const entrySize = bits === 64 ? 16 : 8;
    const dyn = view(dynamic.offset, dynamic.filesz - (dynamic.filesz % entrySize));
    const neededOffsets: number[] = [];
    let strtab: number | undefined;
    for (let at = 0; at + entrySize <= dyn.byteLength; at += entrySize) {
      const tag = word(dyn, at);
      const val = word(dyn, at + entrySize / 2);
      if (tag === DT_NULL) break;
      if (tag === DT_NEEDED) neededOffsets.push(val);
      if (tag === DT_STRTAB) strtab = val;
    }
    if (neededOffsets.length > 0) {
      if (strtab === undefined) throw new NotElfError('dynamic section has DT_NEEDED but no DT_STRTAB');
      // DT_STRTAB is a virtual address: the PT_LOAD segment holding it maps it to a file offset.
      const load = segments.find(
        (s) => s.type === PT_LOAD && strtab! >= s.vaddr && strtab! < s.vaddr + s.filesz,
      );
      if (!load) throw new NotElfError('DT_STRTAB lies outside every loadable segment');
      const base = strtab - load.vaddr + load.offset;
      for (const off of neededOffsets) needed.push(cString(base + off));
    }
  }
  return { bits, littleEndian, type, machine, interpreter, needed };
}

/** `parseElf` over a file on disk, reading only the parts it needs. */
export function readElfFile(file: string): ElfInfo {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    return parseElf((offset, length) => {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.alloc(n);
      if (n > 0) readSync(fd, buf, 0, n, offset);
      return buf;
    });
  } finally {
    closeSync(fd);
  }
}

export type Libc = 'glibc' | 'musl' | 'unknown';

/**
 * Which C library the binary expects. glibc's loader is `ld-linux-*.so.*` and its libc soname
 * `libc.so.6`; musl's loader and libc are one file, `ld-musl-<arch>.so.1`, which Alpine also
 * names `libc.musl-<arch>.so.1` — the name musl-linked libraries record in DT_NEEDED.
 */
export function libcOf(info: Pick<ElfInfo, 'interpreter' | 'needed'>): Libc {
  const names = [info.interpreter ?? '', ...info.needed];
  if (names.some((n) => /musl/.test(n))) return 'musl';
  if (names.some((n) => n === 'libc.so.6' || /(^|\/)ld-linux[-\w.]*\.so\.\d+$/.test(n))) return 'glibc';
  return 'unknown';
}

/** Lambda architectures (`arm64` | `x86_64`) → the ELF machine their binaries must have. */
export const LAMBDA_MACHINE = { arm64: EM_AARCH64, x86_64: EM_X86_64 } as const;

/**
 * Why `info` would not load in a Lambda of `arch` (Amazon Linux 2023, glibc); empty when it would.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (the Node.js runtimes run on
 * Amazon Linux 2023, a glibc distribution) and
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-provided.html (native binaries must be built
 * for Linux and for the function's instruction set, x86_64 or arm64).
 */
export function lambdaBinaryProblems(info: ElfInfo, arch: keyof typeof LAMBDA_MACHINE): string[] {
  const problems: string[] = [];
  const want = LAMBDA_MACHINE[arch];
  if (info.bits !== 64) problems.push(`is ${info.bits}-bit, the ${arch} Lambda needs 64-bit`);
  if (info.machine !== want) {
    problems.push(`is built for ${machineName(info.machine)}, the ${arch} Lambda needs ${machineName(want)}`);
  }
  const libc = libcOf(info);
  if (libc !== 'glibc') {
    problems.push(
      libc === 'musl'
        ? `is linked against musl (${[info.interpreter, ...info.needed].filter((n) => n && /musl/.test(n)).join(', ')}), the Lambda runtime has glibc`
        : `names no glibc library (needs: ${info.needed.join(', ') || 'none'}), the Lambda runtime has glibc`,
    );
  }
  return problems;
}
