/** How a process under test tells the harness it is ready: one JSON line on stdout. */
export const READY_PREFIX = 'BENCH_READY ';

export function announce(info: Record<string, unknown>): void {
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ pid: process.pid, ...info })}\n`);
}
