/**
 * `npm run drill [-- --only kill-9,kinesis-outage] [--quick] [--no-doc]`: runs the fault drills one
 * after another, prints progress, writes `drills/results/<date>.json` and renders the table into
 * docs/drills.md between its markers. Exit code 1 when a drill fails or errors. Loopback only;
 * every child process is SIGKILLed on the way out, whatever happened.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KinesisLocal, startKinesisLocal } from '../test/helpers/kinesis-local.ts';
import { kill9Drill } from './kill-9.ts';
import { kinesisOutageDrill } from './kinesis-outage.ts';
import { parseDrillArgs } from './lib/args.ts';
import { killAll } from './lib/collector-proc.ts';
import type { Drill, DrillContext } from './lib/drill.ts';
import { type ReportRow, renderTable, spliceTable } from './lib/report.ts';
import { malformedFloodDrill } from './malformed-flood.ts';
import { slowClientsDrill } from './slow-clients.ts';
import { spoolFullDrill } from './spool-full.ts';
import { transformerCrashDrill } from './transformer-crash.ts';

const DRILLS: Drill[] = [
  kill9Drill,
  kinesisOutageDrill,
  transformerCrashDrill,
  spoolFullDrill,
  malformedFloodDrill,
  slowClientsDrill,
];
/** A drill that runs longer than this is abandoned (its children killed) and reported as an error. */
const DRILL_TIMEOUT_MS = { quick: 4 * 60_000, full: 10 * 60_000 };

const args = parseDrillArgs(
  process.argv.slice(2),
  DRILLS.map((d) => d.id),
);
const selected = DRILLS.filter((d) => !args.only || args.only.includes(d.id));
const root = await mkdtemp(join(tmpdir(), 'alt-drills-'));
let kl: Promise<KinesisLocal> | undefined;
const cleanup = async () => {
  killAll();
  if (kl) await (await kl.catch(() => undefined))?.stop();
  await rm(root, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`;
const rows: (ReportRow & { details?: unknown; rollupMismatches?: string[]; missingSample?: string[] })[] = [];
try {
  for (const [i, drill] of selected.entries()) {
    const dir = join(root, drill.id);
    await mkdir(dir, { recursive: true });
    const ctx: DrillContext = {
      quick: args.quick,
      dir,
      log: (msg) => console.log(`${stamp()}   [${drill.id}] ${msg}`),
      kinesis: () => {
        kl ??= startKinesisLocal({ startTimeoutMs: 90_000 });
        return kl;
      },
    };
    console.log(`${stamp()} [${i + 1}/${selected.length}] ${drill.title}`);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const out = await Promise.race([
        drill.run(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`timed out after ${DRILL_TIMEOUT_MS[args.quick ? 'quick' : 'full'] / 1000} s`),
              ),
            DRILL_TIMEOUT_MS[args.quick ? 'quick' : 'full'],
          );
        }),
      ]);
      const row = { id: drill.id, title: drill.title, ...out, durationSec: (Date.now() - started) / 1000 };
      rows.push(row);
      console.log(
        `${stamp()}   ${out.pass ? 'PASS' : 'FAIL'}: sent ${out.sent}, acked ${out.acked}, in lake ${out.inLake}, missing ${out.ackedMissing}, dup stream ${out.dupInStream}, lake ${out.dupBefore}→${out.dupAfter}, lake ${out.lakeRows} vs rollups ${out.rollupHits}`,
      );
      for (const c of out.checks) console.log(`${stamp()}   ${c.pass ? '✓' : '✗'} ${c.name}: ${c.detail}`);
      for (const m of out.rollupMismatches.slice(0, 5)) console.log(`${stamp()}   ✗ ${m}`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      console.log(`${stamp()}   ERROR: ${msg}`);
      rows.push({
        id: drill.id,
        title: drill.title,
        pass: false,
        sent: 0,
        acked: 0,
        inLake: 0,
        ackedMissing: 0,
        dupInStream: 0,
        dupBefore: 0,
        dupAfter: 0,
        lakeRows: 0,
        rollupHits: 0,
        checks: [],
        durationSec: (Date.now() - started) / 1000,
        error: msg,
      });
    } finally {
      clearTimeout(timer);
      killAll(); // whatever the drill left running
    }
  }
} finally {
  await cleanup();
}

const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const meta = {
  date,
  quick: args.quick,
  command: `npm run drill${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  host: `${hostname()}, node ${process.version}`,
};
const resultsDir = join(import.meta.dirname, 'results');
await mkdir(resultsDir, { recursive: true });
const file = join(resultsDir, `${date.replace(/:/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ ...meta, drills: rows }, null, 2)}\n`);
console.log(`${stamp()} results: ${file}`);
if (!args.noDoc) {
  const docPath = join(import.meta.dirname, '..', 'docs', 'drills.md');
  const doc = await readFile(docPath, 'utf8').catch(() => '# Fault drills\n');
  await writeFile(docPath, spliceTable(doc, renderTable(rows, meta), args.quick));
  console.log(`${stamp()} table: docs/drills.md`);
}
const failed = rows.filter((r) => !r.pass).length;
console.log(`${stamp()} ${rows.length - failed}/${rows.length} drills passed`);
process.exit(failed > 0 ? 1 : 0);
