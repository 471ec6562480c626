/**
 * The shape of `bench/results/<date>.json`: every benchmark reports figures, each with its unit,
 * the baseline measured in the same run, the ratio to it, and the target it is held to. On these
 * noisy 2-core machines ratios are what compare across runs; absolute values are context.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

export type Op = '>=' | '>' | '<=' | '<' | '==';

export interface Target {
  /** Whether the target is on the ratio to the baseline or on the value itself. */
  on: 'ratio' | 'value';
  op: Op;
  value: number;
}

export interface Figure {
  /** Stable id, e.g. `collector.throughput.segment-log`. */
  id: string;
  label: string;
  value: number;
  unit: string;
  baseline?: { label: string; value: number };
  /** value / baseline.value */
  ratio?: number;
  target?: Target;
  met?: boolean;
  note?: string;
}

export type SuiteStatus = 'ok' | 'failed' | 'skipped';

export interface SuiteResult {
  status: SuiteStatus;
  /** Why it failed or was skipped. */
  reason?: string;
  durationSec: number;
  figures: Figure[];
  /** Everything measured, for whoever wants more than the table. */
  raw?: unknown;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    loadavgAtStart: number[];
  };
  suites: Record<string, SuiteResult>;
}

const compare = (a: number, op: Op, b: number): boolean => {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '==':
      return a === b;
  }
};

/** Fills in `ratio` and `met` from value, baseline and target. */
export function evaluate(f: Figure): Figure {
  const { ratio: _stale, met: _staleMet, ...rest } = f;
  const out: Figure = rest;
  if (f.baseline && f.baseline.value !== 0 && Number.isFinite(f.baseline.value)) {
    out.ratio = f.value / f.baseline.value;
  }
  if (f.target) {
    const subject = f.target.on === 'ratio' ? out.ratio : f.value;
    out.met =
      subject !== undefined && Number.isFinite(subject) && compare(subject, f.target.op, f.target.value);
  }
  return out;
}

/** The target as a reader sees it: `≥ 0.6× baseline`, `< 50 ms`, `= 0`. */
export function targetText(f: Figure): string {
  if (!f.target) return '';
  const op = { '>=': '≥', '>': '>', '<=': '≤', '<': '<', '==': '=' }[f.target.op];
  return f.target.on === 'ratio'
    ? `${op} ${f.target.value}× baseline`
    : `${op} ${formatNumber(f.target.value)}${f.unit && f.unit !== 'count' ? ` ${f.unit}` : ''}`;
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Number.isInteger(n)) return String(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** `2026-11-25T04-12-09Z`: sortable and safe in a file name. */
export function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
}

export function machineInfo(): BenchResults['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadavgAtStart: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export async function writeResults(dir: string, results: BenchResults): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${stamp(new Date(results.startedAt))}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
