/**
 * Process entry for the open-loop generator, so the client runs on its own (pinned) core:
 * `node --import tsx bench/lib/open-loop-cli.ts '<OpenLoopOptions JSON>'` prints one JSON result line.
 */
import { type OpenLoopOptions, runOpenLoop } from './open-loop.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as OpenLoopOptions;
const result = await runOpenLoop(opts);
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
