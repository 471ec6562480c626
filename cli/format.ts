/** Prints a `QueryResult` as an aligned text table, JSON (array of objects) or CSV (RFC 4180). */
import type { QueryResult, QueryStats, QueryValue } from '../query/engine.ts';
import { rowObjects } from '../query/engine.ts';

export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const text = (v: QueryValue): string =>
  v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

function table(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const header = result.columns.map((c) => c.name);
  // NULL is spelled out in a table so it cannot be mistaken for an empty string.
  const cells = result.rows.map((r) => r.map((v) => (v === null ? 'NULL' : text(v).replaceAll('\n', '\\n'))));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const numeric = result.columns.map(
    (_, i) => result.rows.length > 0 && result.rows.every((r) => r[i] === null || typeof r[i] === 'number'),
  );
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join(' | ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)];
  out.push(`(${count(result.rows.length, 'row')})`);
  return `${out.join('\n')}\n`;
}

function csvField(v: QueryValue): string {
  const s = text(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const lines = [result.columns.map((c) => csvField(c.name)), ...result.rows.map((r) => r.map(csvField))];
  return lines.map((l) => `${l.join(',')}\r\n`).join('');
}

function json(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const objs = rowObjects(result);
  // One object per line: readable, and still one JSON document for `jq`.
  return objs.length === 0 ? '[]\n' : `[\n${objs.map((o) => `  ${JSON.stringify(o)}`).join(',\n')}\n]\n`;
}

export function formatResult(result: Pick<QueryResult, 'columns' | 'rows'>, format: OutputFormat): string {
  switch (format) {
    case 'table':
      return table(result);
    case 'json':
      return json(result);
    case 'csv':
      return csv(result);
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** One line for stderr, so stdout stays machine-readable. */
export function formatStats(stats: QueryStats, rowCount: number): string {
  const parts = [count(rowCount, 'row'), `${Math.round(stats.elapsedMs)} ms`, stats.engine];
  if (stats.queryId) parts.push(`query ${stats.queryId}`);
  if (stats.bytesScanned !== undefined) parts.push(`scanned ${formatBytes(stats.bytesScanned)}`);
  if (stats.costUsd !== undefined) parts.push(`cost $${stats.costUsd.toFixed(6)}`);
  return parts.join(' · ');
}

/** `1 row`, `2 rows`, `0 hours`: the CLI's counts read as English. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
