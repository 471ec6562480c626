// Entry of `alt dev`'s transformer process: like every entry point (bin/alt.mjs, the planning
// worker), it runs the project's TypeScript through tsx, so it registers tsx's loader first.
import { register } from 'tsx/esm/api';

register();
const { serveOverIpc } = await import('./lake-process.ts');
serveOverIpc();
