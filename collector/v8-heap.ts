/**
 * One V8 setting the collector makes on itself at start, because Node 24's V8 (13.6) otherwise runs
 * one to three mark-compacts a second at 5,000 hits/s for the first ~30 s of load, and on one core
 * each holds requests for 10–80 ms (docs/performance.md, "Node 24 and the p99").
 *
 * Why: without `--external-memory-accounted-in-global-limit`, V8 13 adds every byte allocated in
 * buffers since the last mark-compact, dead or alive, to the old generation's size when it decides
 * whether to start marking (V8's own comment calls it the "historic behavior"), and it also starts
 * marking on "external memory pressure". The collector makes short-lived buffers on every request,
 * so at 5,000 hits/s marking starts every second or so while the heap itself stays at ~36 MB
 * (measured: `--trace-gc --trace-incremental-marking`). With the flag, V8 counts what buffers still
 * hold, as part of its global limit: no mark-compact in the same load after the first seconds, as on
 * Node 20. V8 has since made that its default (reportedly from 14.8; chromium bug 361124432).
 * Node 20's V8 (11.3) has no such flag.
 *
 * Set with `v8.setFlagsFromString` rather than on the command line: a Node whose V8 does not know
 * the flag refuses a command line with it, and this way `npm start`, the bundled `main.mjs` under
 * systemd and the bench server all get it without a launcher knowing about it. The flag is read at
 * every allocation-limit check, so setting it after start takes effect at the next collection.
 */
import { setFlagsFromString } from 'node:v8';

export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit';

/**
 * Whether this V8 has the flag and needs it: V8 13.x (Node 24) up to 14.7. Older V8 (Node 20's
 * 11.3) prints "unrecognized flag" for it; from 14.8 the behaviour is V8's default and the flag is
 * gone.
 */
export function needsExternalMemoryFlag(v8Version: string): boolean {
  const [major = 0, minor = 0] = v8Version.split('.').map(Number);
  return major === 13 || (major === 14 && minor < 8);
}

/** Applies the flag where it is needed; returns whether it did. Idempotent. */
export function tuneV8ForCollector(v8Version: string = process.versions.v8): boolean {
  if (!needsExternalMemoryFlag(v8Version)) return false;
  setFlagsFromString(EXTERNAL_MEMORY_FLAG);
  return true;
}
