/**
 * `npm run bench [-- --only collector[,transformer…]] [--quick] [--profile]`: runs every benchmark,
 * each in its own process with a time bound, shows progress, writes all figures to
 * `bench/results/<date>.json`, and renders the table, the run details and an SVG chart into
 * docs/performance.md (between its markers; the prose around them is kept).
 *
 * Suites: collector (bench/collector.ts), segment-log (bench/segment-log.ts: group commit and
 * durable hits/s through the batcher), transformer and rollups (bench/transformer.ts), beacon
 * (bench/beacon.ts), sustained-dev (bench/sustained-dev.ts: the real `alt dev` on one core at 5,000 hits/s
 * for 10 minutes — 1 with `--quick`, or `ALT_BENCH_SUSTAINED_MINUTES`), country (bench/country.ts:
 * the collector's country lookup per hit, schema v2). A suite whose script does not exist is
 * reported as skipped. With `--only`,
 * the suites not run keep their figures from the latest full results file, marked as carried over.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runToCompletion } from './lib/proc.ts';
import { createProgress } from './lib/progress.ts';
import { renderPerformanceDoc } from './lib/report.ts';
import {
  type BenchResults,
  evaluate,
  type Figure,
  machineInfo,
  type SuiteResult,
  writeResults,
} from './lib/results.ts';
import {
  beaconFigures,
  countryFigures,
  enrichFigures,
  segmentLogFigures,
  transformerFigures,
} from './lib/suites.ts';
import { renderChart } from './lib/svg-chart.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const RESULTS = join(HERE, 'results');
const DOC = join(ROOT, 'docs/performance.md');
const CHART = join(ROOT, 'docs/performance.svg');

export const SUITES = [
  'collector',
  'segment-log',
  'transformer',
  'rollups',
  'enrich',
  'beacon',
  'country',
  'sustained-dev',
] as const;
type Suite = (typeof SUITES)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    /** Re-render docs/performance.md and the chart from an existing results file; runs nothing. */
    render: { type: 'string' },
  },
});
const only = new Set((values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()));
for (const s of only) {
  if (!SUITES.includes(s as Suite)) {
    console.error(`bench: unknown suite ${JSON.stringify(s)}; choose from ${SUITES.join(', ')}`);
    process.exit(2);
  }
}
const wanted = (s: Suite) => only.size === 0 || only.has(s);
const quick = values.quick!;
const progress = createProgress();
const node = (script: string, args: string[] = []) => [process.execPath, '--import', 'tsx', script, ...args];

/** A suite that could not run: its first error line, and how long it ran. */
function failedSuite(err: unknown, t0: number): SuiteResult {
  return {
    status: 'failed',
    reason: (err as Error).message.split('\n')[0],
    durationSec: (Date.now() - t0) / 1000,
    figures: [],
  };
}

/** The newest `<prefix>-*.json` written after `since` (other benches name files by date). */
async function newestResult(prefix: string, since: number): Promise<string | undefined> {
  const files = (await readdir(RESULTS).catch(() => [] as string[])).filter(
    (f) => f.startsWith(`${prefix}-`) && f.endsWith('.json'),
  );
  let best: { f: string; t: number } | undefined;
  for (const f of files) {
    const t = (await stat(join(RESULTS, f))).mtimeMs;
    if (t >= since && (!best || t > best.t)) best = { f, t };
  }
  return best && join(RESULTS, best.f);
}

async function runCollector(): Promise<SuiteResult> {
  const out = join(RESULTS, `.collector-${process.pid}.json`);
  const t0 = Date.now();
  progress.log(`▶ collector${quick ? ' (quick)' : ''}: about ${quick ? 2.5 : 5} minutes`);
  try {
    const [cmd, ...args] = node(join(HERE, 'collector.ts'), [
      '--out',
      out,
      ...(quick ? ['--quick'] : []),
      ...(values.profile ? ['--profile'] : []),
    ]);
    // Its own progress lines go straight to our stderr.
    await runToCompletion(cmd, args, {
      timeoutMs: (quick ? 8 : 15) * 60_000,
      cwd: ROOT,
      inheritStderr: true,
    });
    const r = JSON.parse(await readFile(out, 'utf8')) as SuiteResult;
    await rm(out, { force: true });
    return r;
  } catch (err) {
    return failedSuite(err, t0);
  }
}

/** A bench script that prints progress only and leaves one JSON result for `figures`. */
interface ScriptSuite {
  /** File under bench/. */
  script: string;
  label: string;
  etaSec: number;
  args?: string[];
  /** `out`: we pass `--out FILE`; else the script writes `bench/results/<prefix>-*.json` itself. */
  result: 'out' | { prefix: string };
  figures(raw: unknown): Figure[];
}

async function runScriptSuite(s: ScriptSuite): Promise<SuiteResult> {
  const script = join(HERE, s.script);
  const t0 = Date.now();
  if (!existsSync(script)) {
    return { status: 'skipped', reason: `bench/${s.script} not found`, durationSec: 0, figures: [] };
  }
  const done = progress.step(s.label, s.etaSec);
  const out =
    s.result === 'out' ? join(RESULTS, `.${basename(s.script, '.ts')}-${process.pid}.json`) : undefined;
  try {
    const [cmd, ...args] = node(script, [...(s.args ?? []), ...(out ? ['--out', out] : [])]);
    await runToCompletion(cmd, args, { timeoutMs: 5 * 60_000, cwd: ROOT });
    const file = s.result === 'out' ? out : await newestResult(s.result.prefix, t0);
    if (!file) throw new Error(`bench/${s.script} wrote no result file`);
    const raw = JSON.parse(await readFile(file, 'utf8'));
    if (out) await rm(out, { force: true });
    done(out ? undefined : relative(ROOT, file));
    return { status: 'ok', durationSec: (Date.now() - t0) / 1000, figures: s.figures(raw), raw };
  } catch (err) {
    done('failed');
    return failedSuite(err, t0);
  }
}

/** The stream layer's own bench (group commit, durable hits/s through the batcher). */
const runSegmentLog = () =>
  runScriptSuite({
    script: 'segment-log.ts',
    label: 'segment log + batcher (bench/segment-log.ts)',
    etaSec: (quick ? 2 : 5) * 4 + 5,
    args: ['--seconds', String(quick ? 2 : 5)],
    result: 'out',
    figures: segmentLogFigures,
  });

/** The transformer's enrichment alone (UA, URL, referrer, UTM, channel) against JSON.parse. */
const runEnrich = () =>
  runScriptSuite({
    script: 'enrich.ts',
    label: `enrichment (bench/enrich.ts)${quick ? ' --hits 200000' : ''}`,
    etaSec: quick ? 15 : 40,
    args: quick ? ['--hits', '200000', '--rounds', '3'] : [],
    result: { prefix: 'enrich' },
    figures: enrichFigures,
  });

const runBeacon = () =>
  runScriptSuite({
    script: 'beacon.ts',
    label: 'beacon (bench/beacon.ts)',
    etaSec: 30,
    result: { prefix: 'beacon' },
    figures: beaconFigures,
  });

/** The country lookup's cost per hit against `maskIp` in the same run (bench/country.ts). */
const runCountry = () =>
  runScriptSuite({
    script: 'country.ts',
    label: 'country lookup (bench/country.ts)',
    etaSec: quick ? 15 : 40,
    args: quick ? ['--rounds', '3'] : [],
    result: 'out',
    figures: countryFigures,
  });

/** transformer + rollups come from one script. */
async function runTransformer(): Promise<{ transformer: SuiteResult; rollups: SuiteResult }> {
  const script = join(HERE, 'transformer.ts');
  const t0 = Date.now();
  if (!existsSync(script)) {
    const skipped: SuiteResult = {
      status: 'skipped',
      reason: 'bench/transformer.ts not found',
      durationSec: 0,
      figures: [],
    };
    return { transformer: skipped, rollups: skipped };
  }
  const done = progress.step(
    `transformer + rollups (bench/transformer.ts)${quick ? ' --hits 100000' : ''}`,
    quick ? 30 : 90,
  );
  try {
    const [cmd, ...args] = node(script, quick ? ['--hits', '100000', '--batch', '20000'] : []);
    await runToCompletion(cmd, args, { timeoutMs: (quick ? 5 : 15) * 60_000, cwd: ROOT });
    const file = await newestResult('transformer', t0);
    if (!file) throw new Error('bench/transformer.ts wrote no bench/results/transformer-*.json');
    const raw = JSON.parse(await readFile(file, 'utf8'));
    const f = transformerFigures(raw);
    const durationSec = (Date.now() - t0) / 1000;
    done(`${relative(ROOT, file)}`);
    return {
      transformer: { status: 'ok', durationSec, figures: f.transformer, raw },
      rollups: {
        status: f.rollups.length ? 'ok' : 'failed',
        reason: f.rollups.length ? undefined : 'no rollups figure in the transformer result',
        durationSec: 0,
        figures: f.rollups,
      },
    };
  } catch (err) {
    done('failed');
    const failed = failedSuite(err, t0);
    return { transformer: failed, rollups: failed };
  }
}

/**
 * `alt dev` as a user runs it, at a fixed rate for minutes, then 10,000 connections, then the lake
 * checked for every acknowledged hit. Its per-minute lines go straight to our stderr.
 */
async function runSustained(): Promise<SuiteResult> {
  const script = join(HERE, 'sustained-dev.ts');
  const t0 = Date.now();
  if (!existsSync(script)) {
    return { status: 'skipped', reason: 'bench/sustained-dev.ts not found', durationSec: 0, figures: [] };
  }
  const fromEnv = process.env.ALT_BENCH_SUSTAINED_MINUTES;
  const minutes = Number(fromEnv ?? (quick ? 1 : 10));
  progress.log(
    `▶ sustained-dev: alt dev at 5,000 hits/s for ${minutes} min, then 10,000 connections, then the lake`,
  );
  const out = join(RESULTS, `.sustained-dev-${process.pid}.json`);
  try {
    const [cmd, ...args] = node(script, ['--minutes', String(minutes), '--out', out]);
    // Start-up, the 10,000 connections, the drain on SIGTERM and the lake query on top of the run.
    await runToCompletion(cmd, args, {
      timeoutMs: (minutes * 4 + 20) * 60_000,
      cwd: ROOT,
      inheritStderr: true,
    });
    const r = JSON.parse(await readFile(out, 'utf8')) as SuiteResult;
    await rm(out, { force: true });
    return r;
  } catch (err) {
    return failedSuite(err, t0);
  }
}

/** The latest combined results (`<date>.json`), to carry suites over when `--only` is used. */
async function latestCombined(): Promise<BenchResults | undefined> {
  const files = (await readdir(RESULTS).catch(() => [] as string[]))
    .filter((f) => /^\d{4}-\d{2}-\d{2}T[\d-]+Z\.json$/.test(f))
    .sort();
  const last = files.at(-1);
  return last ? (JSON.parse(await readFile(join(RESULTS, last), 'utf8')) as BenchResults) : undefined;
}

async function renderDocs(results: BenchResults, file: string): Promise<void> {
  const all = Object.values(results.suites).flatMap((s) => s.figures);
  const title = `ALT benchmarks, ${results.startedAt.slice(0, 16)}Z${results.quick ? ' (quick)' : ''}`;
  await writeFile(CHART, renderChart(all, title));
  const doc = existsSync(DOC) ? await readFile(DOC, 'utf8') : '# Performance\n';
  await writeFile(
    DOC,
    renderPerformanceDoc(doc, results, {
      resultsFile: relative(ROOT, file),
      chartFile: relative(dirname(DOC), CHART),
    }),
  );
}

if (values.render) {
  const file = resolve(values.render);
  await renderDocs(JSON.parse(await readFile(file, 'utf8')) as BenchResults, file);
  progress.log(`rendered docs/performance.md and docs/performance.svg from ${relative(ROOT, file)}`);
  process.exit(0);
}

const startedAt = new Date();
const machine = machineInfo();
progress.log(
  `ALT benchmarks on ${machine.cpus} × ${machine.cpuModel}, load average ${machine.loadavgAtStart.join(' / ')}`,
);
if (machine.loadavgAtStart[0] > 1) {
  progress.log(
    '  note: the machine is busy; ratios against same-run baselines still hold, absolute figures will be low',
  );
}
const suites: Partial<Record<Suite, SuiteResult>> = {};
if (wanted('collector')) suites.collector = await runCollector();
if (wanted('segment-log')) suites['segment-log'] = await runSegmentLog();
if (wanted('transformer') || wanted('rollups')) {
  const t = await runTransformer();
  if (wanted('transformer')) suites.transformer = t.transformer;
  if (wanted('rollups')) suites.rollups = t.rollups;
}
if (wanted('enrich')) suites.enrich = await runEnrich();
if (wanted('beacon')) suites.beacon = await runBeacon();
if (wanted('country')) suites.country = await runCountry();
if (wanted('sustained-dev')) suites['sustained-dev'] = await runSustained();

if (only.size) {
  const prev = await latestCombined();
  for (const s of SUITES) {
    const p = prev?.suites[s];
    // Keep the original run's date when a suite is carried over twice.
    const from = p?.reason?.startsWith('from the ')
      ? p.reason
      : `from the ${prev?.startedAt.slice(0, 16)}Z run`;
    if (!suites[s] && p) suites[s] = { ...p, reason: from };
  }
}

const ordered: Record<string, SuiteResult> = {};
for (const s of SUITES) {
  const r = suites[s];
  if (r) ordered[s] = { ...r, figures: r.figures.map(evaluate) };
}
const results: BenchResults = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick,
  machine,
  suites: ordered,
};
const file = await writeResults(RESULTS, results);
const all: Figure[] = Object.values(ordered).flatMap((s) => s.figures);
if (!values['no-docs']) await renderDocs(results, file);
const missed = all.filter((f) => f.met === false);
progress.log(
  `\nwrote ${relative(ROOT, file)}${values['no-docs'] ? '' : ', docs/performance.md, docs/performance.svg'}`,
);
progress.log(
  `${all.filter((f) => f.met).length} targets met, ${missed.length} missed${missed.length ? `: ${missed.map((f) => f.id).join(', ')}` : ''}`,
);
// Missed targets are findings (in the table); only a suite that could not run fails the command.
const broken = Object.entries(ordered).filter(([, s]) => s.status === 'failed');
if (broken.length) progress.log(`failed suites: ${broken.map(([k, s]) => `${k} (${s.reason})`).join('; ')}`);
process.exit(broken.length ? 1 : 0);
