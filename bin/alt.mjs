#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, one loader for every entry point (tests, CLI,
// Pulumi program, workers), rather than relying on each Node version's own type stripping.
// `npm start` and `npm run alt` also preload it (`node --import=tsx bin/alt.mjs`; `npm start` adds
// `--no-memory-reducer`, whose heap-shrinking mark-compacts stalled a minute): `alt dev` with tsx
// only registered here ran its collector in a slow GC state that the preload avoided (why is open;
// docs/performance.md, "The slow-scavenge level follows how `alt dev` loads its TypeScript").
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
