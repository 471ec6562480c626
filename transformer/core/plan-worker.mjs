// Entry of the planning worker thread: Node 20 cannot run TypeScript itself, so the worker
// registers tsx's loader (as bin/alt.mjs does for the CLI) before loading the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./plan-worker.ts');
