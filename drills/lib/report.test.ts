import { describe, expect, it } from 'vitest';
import { markers, type ReportRow, renderTable, spliceTable } from './report.ts';

const row: ReportRow = {
  id: 'kill-9',
  title: 'kill -9 | collector',
  pass: true,
  sent: 5400,
  acked: 4590,
  inLake: 4590,
  ackedMissing: 0,
  dupInStream: 7,
  dupBefore: 3,
  dupAfter: 0,
  lakeRows: 4650,
  rollupHits: 4650,
  checks: [{ name: 'kills', pass: true, detail: '1 SIGKILL' }],
  durationSec: 18.2,
};
const meta = { date: '2026-11-25T05:00:00Z', quick: true, command: 'npm run drill -- --quick', host: 'h' };

describe('renderTable', () => {
  it('renders one row per drill with its figures, escaping pipes', () => {
    const t = renderTable([row, { ...row, id: 'x', title: 'x', pass: false, ackedMissing: 2 }], meta);
    const lines = t.split('\n');
    expect(lines[0]).toContain('(quick)');
    expect(lines[4]).toBe(
      '| kill -9 \\| collector | PASS | 5400 | 4590 | 4590 | 0 | 7 / 3 → 0 | 4650 | 4650 | ✓ kills: 1 SIGKILL | 18 |',
    );
    expect(lines[5]).toMatch(/^\| x \| \*\*FAIL\*\* \| 5400 \| 4590 \| 4590 \| 2 \|/);
  });

  it('shows an errored drill as ERROR with its message', () => {
    expect(renderTable([{ ...row, pass: false, error: 'timed out' }], meta)).toMatch(
      /\*\*ERROR\*\* .*timed out/,
    );
  });
});

describe('spliceTable', () => {
  const q = markers(true);
  const f = markers(false);

  it("replaces only what is between its mode's markers", () => {
    const doc = `# T\n${f.begin}\nfull\n${f.end}\nmid\n${q.begin}\nold\n${q.end}\noutro\n`;
    expect(spliceTable(doc, 'new', true)).toBe(
      `# T\n${f.begin}\nfull\n${f.end}\nmid\n${q.begin}\nnew\n${q.end}\noutro\n`,
    );
  });

  it('appends markers and table to a doc without them', () => {
    expect(spliceTable('# T\n', 'new', false)).toBe(`# T\n\n${f.begin}\nnew\n${f.end}\n`);
  });
});
