/** The drills table for docs/drills.md (pure): rendered from a results file, spliced between markers. */
/** One table per mode: a quick run does not replace the full run's figures. */
export const markers = (quick: boolean) => {
  const mode = quick ? 'quick' : 'full';
  return { begin: `<!-- drills:${mode}:begin -->`, end: `<!-- drills:${mode}:end -->` };
};

export interface ReportRow {
  id: string;
  title: string;
  pass: boolean;
  sent: number;
  acked: number;
  inLake: number;
  ackedMissing: number;
  dupInStream: number;
  dupBefore: number;
  dupAfter: number;
  lakeRows: number;
  rollupHits: number;
  checks: { name: string; pass: boolean; detail: string }[];
  durationSec: number;
  error?: string;
}

export interface ReportMeta {
  date: string;
  quick: boolean;
  command: string;
  host: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderTable(rows: ReportRow[], meta: ReportMeta): string {
  const head = [
    `Run ${meta.date} (${meta.quick ? 'quick' : 'full'}) on ${meta.host}: \`${meta.command}\``,
    '',
    '| drill | result | sent | acked (2xx) | acked in lake | acked missing | duplicates: in stream / lake before → after compaction | lake rows | rollup hits | checks | s |',
    '|---|---|---:|---:|---:|---:|---|---:|---:|---|---:|',
  ];
  const body = rows.map((r) => {
    if (r.error)
      return `| ${cell(r.title)} | **ERROR** | | | | | | | | ${cell(r.error.slice(0, 300))} | ${r.durationSec.toFixed(0)} |`;
    const checks = r.checks.map((c) => `${c.pass ? '✓' : '✗'} ${c.name}: ${c.detail}`).join('<br>');
    return `| ${cell(r.title)} | ${r.pass ? 'PASS' : '**FAIL**'} | ${r.sent} | ${r.acked} | ${r.inLake} | ${r.ackedMissing} | ${r.dupInStream} / ${r.dupBefore} → ${r.dupAfter} | ${r.lakeRows} | ${r.rollupHits} | ${cell(checks)} | ${r.durationSec.toFixed(0)} |`;
  });
  return [...head, ...body].join('\n');
}

/** Replaces what is between the markers (appends markers and table when absent). */
export function spliceTable(doc: string, table: string, quick: boolean): string {
  const { begin, end } = markers(quick);
  const b = doc.indexOf(begin);
  const e = doc.indexOf(end);
  if (b < 0 || e < b) return `${doc.trimEnd()}\n\n${begin}\n${table}\n${end}\n`;
  return `${doc.slice(0, b + begin.length)}\n${table}\n${doc.slice(e)}`;
}
