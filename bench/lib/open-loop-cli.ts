/**
 * Process entry for the open-loop generator, so the client runs on its own (pinned) core:
 * `node --import tsx bench/lib/open-loop-cli.ts '<OpenLoopOptions JSON>'` prints one JSON result line.
 * With `windowSec`, each window is also printed on stderr as soon as it is complete, as one
 * `OPEN_LOOP_WINDOW {…}` line (`WINDOW_PREFIX`), for a caller that shows a long run's progress.
 */
import { type OpenLoopOptions, runOpenLoop, WINDOW_PREFIX } from './open-loop.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as OpenLoopOptions;
const result = await runOpenLoop(opts, (w) => process.stderr.write(`${WINDOW_PREFIX}${JSON.stringify(w)}\n`));
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
