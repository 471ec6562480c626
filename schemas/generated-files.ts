/** The checked-in generated SQL under `schemas/generated/`: one function builds it, a test diffs it. */
import { LAKE_FIRST_YEAR } from './columns.ts';
import { athenaDdl, DEFAULT_ATHENA } from './ddl/athena.ts';
import { auroraMigrations } from './ddl/aurora.ts';
import { qualitySql } from './ddl/quality.ts';
import { snowflakeDdl } from './ddl/snowflake.ts';

const HEADER =
  '-- Generated from schemas/columns.ts by `npm run generate` — do not edit.\n' +
  '-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.\n\n';

export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {
    // A fixed year range, so the checked-in copy does not change with the calendar: `alt ddl athena`
    // and `pulumi up` render the first lake year to next year from the clock.
    'athena.sql':
      HEADER + athenaDdl({ ...DEFAULT_ATHENA, years: { first: LAKE_FIRST_YEAR, last: LAKE_FIRST_YEAR + 1 } }),
    'snowflake.sql': HEADER + snowflakeDdl(),
    'quality.sql': HEADER + qualitySql(),
  };
  for (const m of auroraMigrations()) files[`aurora/${m.id}.sql`] = HEADER + m.sql;
  return files;
}
