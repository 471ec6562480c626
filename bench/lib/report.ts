/**
 * Renders a run into docs/performance.md: the figures table and the run's details go between
 * `<!-- bench:NAME:start -->` / `<!-- bench:NAME:end -->` markers, so the prose around them is
 * kept. Pure string functions.
 */
import { type BenchResults, type Figure, formatNumber, targetText } from './results.ts';

const start = (name: string) => `<!-- bench:${name}:start -->`;
const end = (name: string) => `<!-- bench:${name}:end -->`;

/** Replaces what lies between the named markers; appends a marked section when they are missing. */
export function replaceBetweenMarkers(doc: string, name: string, content: string): string {
  const s = doc.indexOf(start(name));
  const e = doc.indexOf(end(name));
  const block = `${start(name)}\n${content.trimEnd()}\n${end(name)}`;
  if (s === -1 || e === -1 || e < s) return `${doc.trimEnd()}\n\n${block}\n`;
  return doc.slice(0, s) + block + doc.slice(e + end(name).length);
}

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

// A figure the process under test did not expose (a metric it does not have yet) has no value:
// NaN in memory, null once written to JSON.
const withUnit = (v: number | null, unit: string) =>
  typeof v !== 'number' || !Number.isFinite(v)
    ? 'not reported'
    : unit === 'count'
      ? formatNumber(v)
      : `${formatNumber(v)} ${unit}`;

function metCell(f: Figure): string {
  if (f.met === undefined) return '—';
  return f.met ? 'yes' : '**no**';
}

/** One table over all suites: figure, value, baseline, ratio, target, met?. */
export function renderTable(r: BenchResults): string {
  const rows = [
    '| suite | figure | value | baseline | ratio | target | met? |',
    '|---|---|---:|---|---:|---|---|',
  ];
  for (const [suite, s] of Object.entries(r.suites)) {
    if (s.status !== 'ok' && s.figures.length === 0) {
      rows.push(`| ${suite} | *${s.status}* | — | — | — | — | ${cell(s.reason ?? '')} |`);
      continue;
    }
    // Figures carried over from an earlier run (`--only`) say so in the suite column.
    const name = s.status === 'ok' && s.reason ? `${suite} (${cell(s.reason)})` : suite;
    for (const f of s.figures) {
      const label = f.note ? `${f.label} (${f.note})` : f.label;
      const baseline = f.baseline ? `${withUnit(f.baseline.value, f.unit)} (${f.baseline.label})` : '—';
      const ratio = f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`;
      rows.push(
        `| ${name} | ${cell(label)} | ${withUnit(f.value, f.unit)} | ${cell(baseline)} | ${ratio} | ${cell(targetText(f) || '—')} | ${metCell(f)} |`,
      );
    }
  }
  return rows.join('\n');
}

/** Where and how the run happened, under the table. */
export function renderRunInfo(r: BenchResults, resultsFile: string): string {
  const m = r.machine;
  const statuses = Object.entries(r.suites)
    .map(
      ([k, s]) =>
        `${k} ${s.status} (${s.durationSec.toFixed(0)} s${s.status === 'ok' && s.reason ? `, ${s.reason}` : ''})`,
    )
    .join(', ');
  return [
    `Run ${r.startedAt} → ${r.finishedAt}${r.quick ? ' (**--quick**: short runs, indicative only)' : ''};`,
    `${m.cpus} × ${m.cpuModel}, Node ${m.node}, ${m.platform}; load average at start ${m.loadavgAtStart.join(' / ')}.`,
    `Suites: ${statuses}. All figures: \`${resultsFile}\`.`,
  ].join('\n');
}

export function renderPerformanceDoc(
  doc: string,
  r: BenchResults,
  o: { resultsFile: string; chartFile: string },
): string {
  let out = replaceBetweenMarkers(doc, 'table', renderTable(r));
  out = replaceBetweenMarkers(out, 'run', renderRunInfo(r, o.resultsFile));
  out = replaceBetweenMarkers(out, 'chart', `![figures against their targets](${o.chartFile})`);
  return out;
}
