/** Drives the `alt` command as a user does: subprocesses of `bin/alt.mjs` on one data directory. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const ALT = join(ROOT, 'bin', 'alt.mjs');
// The local stack under test uses its own PGlite, never the suite's PostgreSQL.
const ENV = { ...process.env, DATABASE_URL: '' };

export interface Dev {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

export function altCli(dataDir: string) {
  function alt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [ALT, ...args, '--data-dir', dataDir], {
        cwd: ROOT,
        env: ENV,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    });
  }

  async function altJson<T>(args: string[]): Promise<T> {
    const r = await alt(args);
    if (r.code !== 0) throw new Error(`alt ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /**
   * Starts `alt dev` on a free port; resolves once it printed its collector URL. `env` adds
   * `ALT_*` settings that `alt dev` has no flag for (e.g. `ALT_TRUST_PROXY_HOPS`).
   */
  function startDev(extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Dev> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [ALT, 'dev', '--port', '0', '--data-dir', dataDir, '--flush-interval', '3600', ...extraArgs],
        { cwd: ROOT, env: { ...ENV, ...env } },
      );
      let out = '';
      const timer = setTimeout(() => reject(new Error(`alt dev did not start:\n${out}`)), 90_000);
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.stdout.on('data', (d) => {
        out += d;
        const m = /collector\s+(http:\/\/127\.0\.0\.1:\d+)\/v1\/hits/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({
            child,
            url: m[1],
            stop: () =>
              new Promise((stopped) => {
                child.once('exit', () => stopped());
                child.kill('SIGINT');
              }),
          });
        }
      });
      child.on('exit', (code) => reject(new Error(`alt dev exited with ${code}:\n${out}`)));
    });
  }

  return { alt, altJson, startDev };
}
