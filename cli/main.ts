/** The `alt` command: one subcommand per module under `cli/commands/`. */
import { Command, CommanderError } from 'commander';
import { serveConsole } from '../console/server.ts';
import { ConfigError } from '../lib/config.ts';
import { registerApps } from './commands/apps.ts';
import { registerAppsPurge } from './commands/apps-purge.ts';
import { registerSnippet } from './commands/apps-snippet.ts';
import { registerCompact } from './commands/compact.ts';
import { registerConsole } from './commands/console.ts';
import { registerCost } from './commands/cost.ts';
import { registerDdl } from './commands/ddl.ts';
import { registerDev } from './commands/dev.ts';
import { registerQuery } from './commands/query.ts';
import { registerReplay } from './commands/replay.ts';
import { registerTransform } from './commands/transform.ts';
import { registerValidate } from './commands/validate.ts';

const program = new Command('alt')
  .description('ALT — Access Log Tracker: web analytics lake')
  .showHelpAfterError()
  .exitOverride();

registerDev(program);
registerDdl(program);
registerQuery(program);
registerValidate(program);
registerSnippet(registerApps(program));
registerAppsPurge(program);
registerTransform(program);
registerCompact(program);
registerReplay(program);
registerCost(program);
registerConsole(program, serveConsole);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof ConfigError) {
    console.error(`alt: ${err.message}`);
    process.exit(2);
  }
  console.error(`alt: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
