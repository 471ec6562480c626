/**
 * The V8 settings the collector makes on itself at start. The first because Node 24's V8 (13.6)
 * otherwise runs one to three mark-compacts a second at 5,000 hits/s for the first ~30 s of load,
 * and on one core each holds requests for 10–80 ms (docs/performance.md, "Node 24 and the p99").
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
 *
 * A second setting, `--heap-growing-percent=300` (the old generation may grow to 4× what survived
 * the last mark-compact before the next one starts), because V8 starts incremental marking from a
 * task ("soft limit") as soon as the room left under the old generation's limit is no more than
 * the young generation's capacity. Under load the young generation grows to ~50 MB while the old
 * one holds ~42 MB, and V8's own growing factor (1.5–2.7× here, from its GC-speed heuristics) left
 * 20–70 MB of room: in `alt dev` at 5,000 hits/s that was a mark-compact every 0.6–1 s for
 * stretches of 20–40 s (68 in 3 minutes, `--trace-gc --trace-incremental-marking`: "Start (task)
 * … v8: 42MB / limit 114MB, global slack 64MB"), each pausing the loop 4–17 ms plus marking steps
 * of up to 24 ms. With the flag: 5 in the same run. The price is a higher heap ceiling (~170 MB
 * before a mark-compact, against ~100 MB), which a collector's memory has room for.
 */
import { setFlagsFromString } from 'node:v8';

export const EXTERNAL_MEMORY_FLAG = '--external-memory-accounted-in-global-limit';
export const HEAP_GROWING_FLAG = '--heap-growing-percent=300';

/**
 * Whether this V8 has the flag and needs it: V8 13.x (Node 24) up to 14.7. Older V8 (Node 20's
 * 11.3) prints "unrecognized flag" for it; from 14.8 the behaviour is V8's default and the flag is
 * gone.
 */
export function needsExternalMemoryFlag(v8Version: string): boolean {
  const [major = 0, minor = 0] = v8Version.split('.').map(Number);
  return major === 13 || (major === 14 && minor < 8);
}

/**
 * Applies both settings (the external-memory flag only where V8 has it and needs it); returns
 * whether the external-memory flag was applied. Idempotent.
 */
export function tuneV8ForCollector(v8Version: string = process.versions.v8): boolean {
  setFlagsFromString(HEAP_GROWING_FLAG);
  if (!needsExternalMemoryFlag(v8Version)) return false;
  setFlagsFromString(EXTERNAL_MEMORY_FLAG);
  return true;
}
