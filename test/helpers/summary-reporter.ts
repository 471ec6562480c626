/**
 * Prints one plain closing line, `N passed, N failed, N skipped`, after vitest's own summary so
 * CI logs state the count in a runner-neutral form.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    // Which Node ran the run: `npm test` should get the project's line from node_modules/.bin.
    process.stdout.write(`\ntests ran on node ${process.version} (${process.execPath})\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
