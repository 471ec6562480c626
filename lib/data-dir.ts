/**
 * The local stack's data directory, spelled once: `lake/` (hits/, raw/, bad/), `pg/` (PGlite),
 * `stream/` (segment log), `spool/` (Kinesis spool), `dev.lock` (a running `alt dev`).
 *
 * Commands that only read must never create it: opening PGlite or a segment log on a path that does
 * not exist creates an empty one, and the command then answers as if there were no data (0 rows,
 * "all checks passed"). `requireDataDir` refuses instead, naming where it looked and where any
 * running `alt dev` keeps its data.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface DataDirLayout {
  root: string;
  lake: string;
  pg: string;
  stream: string;
  spool: string;
  lockFile: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  return {
    root,
    lake: join(root, 'lake'),
    pg: join(root, 'pg'),
    stream: join(root, 'stream'),
    spool: join(root, 'spool'),
    lockFile: join(root, 'dev.lock'),
  };
}

/** Where a running `alt dev` keeps its data, for the hint. */
export interface RunningStack {
  dataDir: string;
  collectorUrl: string;
}

export class MissingDataDirError extends Error {}

/**
 * The layout of `dataDir` when `part` of it exists; otherwise a MissingDataDirError that says where
 * it looked, what would create it, and which `--data-dir` a running `alt dev` uses.
 */
export function requireDataDir(
  dataDir: string,
  part: Exclude<keyof DataDirLayout, 'root' | 'lockFile'> | 'root',
  running: readonly RunningStack[] = [],
): DataDirLayout {
  const layout = dataDirLayout(dataDir);
  if (existsSync(layout[part])) return layout;
  const where = part === 'root' ? layout.root : layout[part];
  const lines = [`no ALT data at ${where} (nothing was created there).`];
  if (running.length > 0) {
    for (const r of running) {
      lines.push(
        `alt dev is running with its data in ${r.dataDir} (${r.collectorUrl}): pass --data-dir ${r.dataDir} or set ALT_DATA_DIR=${r.dataDir}`,
      );
    }
  } else {
    lines.push(
      'Start the local stack first (npm start, or alt dev --data-dir DIR), or point --data-dir / ALT_DATA_DIR at the directory it uses.',
    );
  }
  throw new MissingDataDirError(lines.join('\n'));
}
