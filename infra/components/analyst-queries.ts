/**
 * The analyst queries saved in the Athena workgroup come from `docs/analysts-athena.md` itself
 * (its ```sql engine=athena name=… blocks, which a docs test runs), so the console and the docs
 * never drift apart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface SavedQuery {
  name: string;
  description: string;
  sql: string;
}

export const ANALYST_DOC = path.resolve(import.meta.dirname, '..', '..', 'docs', 'analysts-athena.md');

/** Every `engine=athena` SQL block with its name and the nearest heading above it as description. */
export function athenaDocQueries(markdown: string): SavedQuery[] {
  const out: SavedQuery[] = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    const open = /^```sql\s+engine=athena\s+name=([\w-]+)/.exec(line);
    if (!open) continue;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    out.push({
      name: open[1],
      description: `${heading} (docs/analysts-athena.md)`.slice(0, 1024),
      sql: body.join('\n').trim(),
    });
  }
  return out;
}

export const loadAnalystQueries = (file = ANALYST_DOC) => athenaDocQueries(readFileSync(file, 'utf8'));
