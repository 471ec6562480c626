/**
 * Runs the `alt` command as a user does: `bin/alt.mjs` in a subprocess on this Node, with the
 * environment the test names (e.g. `DATABASE_URL: ''` so the data dir's own PGlite is used).
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const ALT_BIN = resolve(import.meta.dirname, '../../bin/alt.mjs');

export interface AltRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAlt(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<AltRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [ALT_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
