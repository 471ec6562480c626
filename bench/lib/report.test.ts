import { describe, expect, it } from 'vitest';
import { parseProcStatCpu, parseProcStatPpid, parseProcStatus, processTree } from './proc.ts';
import { renderPerformanceDoc, renderTable, replaceBetweenMarkers } from './report.ts';
import { type BenchResults, evaluate, type Figure, stamp, targetText } from './results.ts';
import { renderChart, targetScore } from './svg-chart.ts';

const throughput = evaluate({
  id: 'collector.throughput.segment-log',
  label: 'collector req/s, segment log',
  value: 30_000,
  unit: 'req/s',
  baseline: { label: 'bare Fastify', value: 40_000 },
  target: { on: 'ratio', op: '>=', value: 0.6 },
});
const p99 = evaluate({
  id: 'collector.latency.p99',
  label: 'p99 at 5,000 hits/s',
  value: 62.5,
  unit: 'ms',
  target: { on: 'value', op: '<', value: 50 },
});
const errors = evaluate({
  id: 'collector.connections.errors',
  label: 'errors with 10,000 connections',
  value: 0,
  unit: 'count',
  target: { on: 'value', op: '==', value: 0 },
});

const run = (figures: Figure[]): BenchResults => ({
  startedAt: '2026-11-25T04:00:00.000Z',
  finishedAt: '2026-11-25T04:03:00.000Z',
  quick: false,
  machine: { cpus: 2, cpuModel: 'Test CPU', node: 'v20', platform: 'linux', loadavgAtStart: [0.5, 0.4, 0.3] },
  suites: {
    collector: { status: 'ok', durationSec: 180, figures },
    transformer: { status: 'skipped', reason: 'bench/transformer.ts not found', durationSec: 0, figures: [] },
  },
});

describe('figures', () => {
  it('computes the ratio to the baseline and whether the target is met', () => {
    expect(throughput.ratio).toBeCloseTo(0.75);
    expect(throughput.met).toBe(true);
    expect(p99.met).toBe(false);
    expect(errors.met).toBe(true);
    expect(evaluate({ ...throughput, value: 20_000 }).met).toBe(false);
  });

  it('counts a target on a missing ratio as not met', () => {
    const f = evaluate({ ...throughput, baseline: { label: 'bare', value: 0 } });
    expect(f.ratio).toBeUndefined();
    expect(f.met).toBe(false);
  });

  it('states targets for readers', () => {
    expect(targetText(throughput)).toBe('≥ 0.6× baseline');
    expect(targetText(p99)).toBe('< 50 ms');
    expect(targetText(errors)).toBe('= 0');
  });

  it('stamps result files sortably without colons', () => {
    expect(stamp(new Date('2026-11-25T04:05:06.789Z'))).toBe('2026-11-25T04-05-06Z');
  });
});

describe('Markdown report', () => {
  it('renders one row per figure with value, baseline, ratio, target and verdict', () => {
    const t = renderTable(run([throughput, p99, errors]));
    const lines = t.split('\n');
    expect(lines[0]).toBe('| suite | figure | value | baseline | ratio | target | met? |');
    expect(lines).toContain(
      '| collector | collector req/s, segment log | 30,000 req/s | 40,000 req/s (bare Fastify) | 0.75× | ≥ 0.6× baseline | yes |',
    );
    expect(lines).toContain('| collector | p99 at 5,000 hits/s | 62.5 ms | — | — | < 50 ms | **no** |');
    expect(lines).toContain('| collector | errors with 10,000 connections | 0 | — | — | = 0 | yes |');
    expect(t).toContain('| transformer | *skipped* | — | — | — | — | bench/transformer.ts not found |');
  });

  it('says "not reported" for a figure the process under test did not expose, as JSON keeps it (null)', () => {
    const lag: Figure = { id: 'x.lag', label: 'max transformer lag', value: Number.NaN, unit: 's' };
    const fromJson = JSON.parse(JSON.stringify(run([lag]))) as BenchResults;
    expect(renderTable(fromJson)).toContain(
      '| collector | max transformer lag | not reported | — | — | — | — |',
    );
  });

  it('marks figures carried over from an earlier run', () => {
    const r = run([throughput]);
    r.suites.collector.reason = 'from the 2026-11-24T10:00Z run';
    expect(renderTable(r)).toContain(
      '| collector (from the 2026-11-24T10:00Z run) | collector req/s, segment log |',
    );
  });

  it('replaces only what lies between the markers and keeps the prose around them', () => {
    const doc = '# Perf\n\nintro\n\n<!-- bench:table:start -->\nold\n<!-- bench:table:end -->\n\nafter\n';
    const out = replaceBetweenMarkers(doc, 'table', 'new table');
    expect(out).toBe(
      '# Perf\n\nintro\n\n<!-- bench:table:start -->\nnew table\n<!-- bench:table:end -->\n\nafter\n',
    );
    expect(replaceBetweenMarkers(out, 'table', 'newer')).toContain('start -->\nnewer\n<!--');
  });

  it('appends a marked section when the document has no markers yet', () => {
    const out = replaceBetweenMarkers('# Perf\n', 'chart', 'img');
    expect(out).toBe('# Perf\n\n<!-- bench:chart:start -->\nimg\n<!-- bench:chart:end -->\n');
  });

  it('fills table, run details and chart link in one pass', () => {
    const doc = renderPerformanceDoc('# Perf\n', run([throughput]), {
      resultsFile: 'bench/results/x.json',
      chartFile: 'performance.svg',
    });
    expect(doc).toContain('collector req/s, segment log');
    expect(doc).toContain('2 × Test CPU');
    expect(doc).toContain('bench/results/x.json');
    expect(doc).toContain('![figures against their targets](performance.svg)');
  });
});

describe('SVG chart', () => {
  it('scores every target so that 1 is on target and more is better', () => {
    expect(targetScore(throughput)).toBeCloseTo(0.75 / 0.6);
    expect(targetScore(p99)).toBeCloseTo(50 / 62.5);
    expect(targetScore(errors)).toBe(1);
    expect(targetScore(evaluate({ ...errors, value: 3 }))).toBe(0);
    expect(targetScore({ ...throughput, target: undefined, met: undefined })).toBeNull();
  });

  it('draws a bar per targeted figure, coloured by verdict, with escaped labels', () => {
    const svg = renderChart([throughput, p99, { ...errors, label: 'errors <10k>' }], 'ALT & friends');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('ALT &amp; friends');
    expect(svg).toContain('errors &lt;10k&gt;');
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg.match(/fill="#c0392b"/g)).toHaveLength(1);
    expect(svg).toContain('0.75× (target ≥ 0.6× baseline)');
  });
});

describe('/proc status parsing', () => {
  it('reads RSS, its high-water mark and threads in bytes', () => {
    const s = parseProcStatus('Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t11\n');
    expect(s).toEqual({ rssBytes: 100 * 1024 * 1024, hwmBytes: 200 * 1024 * 1024, threads: 11 });
  });

  it('reads user + system CPU seconds, even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (bench) x) S 1 4242 1 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 100 0 0';
    expect(parseProcStatCpu(stat)).toBe(3);
  });

  it('finds every process below a root (the parent pid is field 4, after the command name)', () => {
    expect(parseProcStatPpid('4243 (node (transformer) x) S 4242 4243 1 0 -1')).toBe(4242);
    // 10 → 11 → 13, 10 → 12; 20 is someone else's.
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 10],
      [13, 11],
      [20, 1],
    ]);
    expect(processTree(parents, 10).sort()).toEqual([10, 11, 12, 13]);
    expect(processTree(parents, 13)).toEqual([13]);
  });
});
