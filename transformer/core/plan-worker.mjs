// Entry of the planning worker thread: like every entry point (bin/alt.mjs, Pulumi.yaml), it runs
// the project's TypeScript through tsx, so the worker registers tsx's loader (as bin/alt.mjs does for the CLI) before loading the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./plan-worker.ts');
