/** The checked-in generated SQL under `schemas/generated/`: one function builds it, a test diffs it. */
import { athenaDdl } from './ddl/athena.ts';
import { auroraMigrations } from './ddl/aurora.ts';
import { qualitySql } from './ddl/quality.ts';
import { snowflakeDdl } from './ddl/snowflake.ts';

const HEADER =
  '-- Generated from schemas/columns.ts by `npm run generate` — do not edit.\n' +
  '-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.\n\n';

export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'athena.sql': HEADER + athenaDdl(),
    'snowflake.sql': HEADER + snowflakeDdl(),
    'quality.sql': HEADER + qualitySql(),
  };
  for (const m of auroraMigrations()) files[`aurora/${m.id}.sql`] = HEADER + m.sql;
  return files;
}
