/** Pulls the SQL blocks out of the docs: fences written as ```sql engine=<athena|postgres|snowflake> name=<id>. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface DocBlock {
  doc: string;
  engine: string;
  name: string;
  sql: string;
  line: number;
}

export function docPath(name: string): string {
  return resolve(import.meta.dirname, '../../docs', name);
}

export function sqlBlocks(doc: string): DocBlock[] {
  const text = readFileSync(docPath(doc), 'utf8');
  const blocks: DocBlock[] = [];
  for (const m of text.matchAll(/^```sql([^\n]*)\n([\s\S]*?)^```/gm)) {
    const info = Object.fromEntries(
      m[1]
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => kv.split('=') as [string, string]),
    );
    blocks.push({
      doc,
      engine: info.engine ?? '',
      name: info.name ?? '',
      sql: m[2].trim(),
      line: text.slice(0, m.index).split('\n').length,
    });
  }
  return blocks;
}

/** The SQL without comments and string literals, for identifier checks. */
export function stripLiterals(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\$\$[\s\S]*?\$\$/g, "''")
    .replace(/'(?:[^']|'')*'/g, "''");
}
