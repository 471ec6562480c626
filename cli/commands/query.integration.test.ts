/** `alt query` and `alt validate` as a user runs them: the real CLI in a subprocess over a seeded data dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import { openQueryEngine } from '../../query/open.ts';
import { HISTOGRAM_CELLS } from '../../schemas/rollups.ts';
import { runAlt } from '../../test/helpers/run-alt.ts';
import { makeLakeRow, seedLake } from '../../test/helpers/seed-lake.ts';

const alt = (args: string[]) => runAlt(args, { DATABASE_URL: '' });

let root: string;
let clean: string;
const SQL =
  'SELECT hour, module_id, count(*) AS hits FROM hits WHERE year = 2026 AND month = 11 AND day = 24 GROUP BY hour, module_id ORDER BY hour, module_id';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'alt-query-cli-'));
  clean = join(root, 'clean');
  await seedLake(join(clean, 'lake'), [
    makeLakeRow({ timestamp: '2026-11-24T09:10:00Z', module_id: 'cart' }),
    makeLakeRow({ timestamp: '2026-11-24T09:20:00Z', module_id: 'cart' }),
    makeLakeRow({ timestamp: '2026-11-24T10:05:00Z', module_id: 'search, "beta"' }),
  ]);
  const db = await createPglite(join(clean, 'pg'));
  await migrate(db);
  await db.query("SELECT alt_ensure_month('2026-11-24T00:00:00Z')");
  await db.query(
    `INSERT INTO hits_hourly (app_id, hour, event_type, source, status_code, hits, rt_count, rt_sum, rt_hist)
     VALUES ('alt_0123456789abcdefghijkl', '2026-11-24T09:00:00Z', 'pageview', 'beacon', 200, 2, 2, 200, $1)`,
    [Array.from({ length: HISTOGRAM_CELLS }, (_, i) => (i === 5 ? 2 : 0))],
  );
  await db.close();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('alt query', () => {
  it('prints an aligned table with a stats line on stderr', async () => {
    const r = await alt(['query', SQL, '--data-dir', clean]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'hour | module_id      | hits',
        '-----+----------------+-----',
        '   9 | cart           |    2',
        '  10 | search, "beta" |    1',
        '(2 rows)',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toMatch(/^2 rows · \d+ ms · duckdb\n$/);
  });

  it('prints JSON objects with numbers as numbers', async () => {
    const r = await alt(['query', SQL, '--data-dir', clean, '--format', 'json', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([
      { hour: 9, module_id: 'cart', hits: 2 },
      { hour: 10, module_id: 'search, "beta"', hits: 1 },
    ]);
  });

  it('prints RFC 4180 CSV', async () => {
    const r = await alt(['query', SQL, '--data-dir', clean, '--format', 'csv', '-q']);
    expect(r.stdout).toBe('hour,module_id,hits\r\n9,cart,2\r\n10,"search, ""beta""",1\r\n');
  });

  it('reads hits_hourly from the data dir PGlite', async () => {
    const r = await alt([
      'query',
      'SELECT hits, alt_hist_quantile(rt_hist, 0.95) AS p95 FROM hits_hourly',
      '--data-dir',
      clean,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ hits: 2, p95: 100 }]);
  });

  it('fails with the engine message and exit code 1 on bad SQL', async () => {
    const bad = await alt(['query', 'SELECT nope FROM hits', '--data-dir', clean]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/alt: .*nope/);
  });

  it('refuses --athena without a workgroup', async () => {
    const config = loadConfig({ athena: true }, {});
    await expect(openQueryEngine(config, { athena: true })).rejects.toThrow(/--athena needs a workgroup/);
  });
});

describe('alt validate', () => {
  it('passes on a clean lake', async () => {
    const r = await alt(['validate', '--data-dir', clean, '--until', '2026-11-24']);
    expect(r.stdout).toMatch(/all 7 checks passed/);
    expect(r.code).toBe(0);
  });

  it('fails, naming the check and sample rows, on a duplicate log_id and a row in the wrong hour', async () => {
    const dirty = join(root, 'dirty');
    const dup = makeLakeRow({ timestamp: '2026-11-24T09:10:00Z' });
    await seedLake(join(dirty, 'lake'), [dup, makeLakeRow({ timestamp: '2026-11-24T09:11:00Z' })]);
    await seedLake(join(dirty, 'lake'), [{ ...dup }]);
    await seedLake(join(dirty, 'lake'), [makeLakeRow({ timestamp: '2026-11-24T12:30:00Z' })], {
      forcePartition: 'year=2026/month=11/day=24/hour=13',
    });
    const r = await alt(['validate', '--data-dir', dirty, '--until', '2026-11-24']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}duplicate_log_id/);
    expect(r.stdout).toContain(dup.log_id);
    expect(r.stdout).toMatch(
      /FAIL {2}partition_mismatch[^\n]*\n.*\n.*\n\s+2026 \|\s+11 \|\s+24 \|\s+13 \|\s+1/,
    );
    expect(r.stdout).toMatch(/ok {4}invalid_status/);
    expect(r.stdout).toMatch(/2 of 7 checks failed/);
  });
});
