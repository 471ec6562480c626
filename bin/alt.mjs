#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, one loader for every entry point (tests, CLI,
// Pulumi program, workers), rather than relying on each Node version's own type stripping.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
