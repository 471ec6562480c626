/**
 * The compaction Lambda's entry point (`handler`), invoked by EventBridge Scheduler (every 15
 * minutes as the stack sets it). It lists `hits/` over the lookback window, picks the hours that
 * are due (`hoursToCompact`: closed past the grace period, holding a file besides
 * `compacted.parquet`) and compacts each with `compactHour`, which rewrites the hour's rollups
 * from the result. The environment is the transformer Lambda's, read through the config loader:
 * ALT_LAKE_BUCKET, ALT_LAKE_PREFIX (optional), ALT_S3_ENDPOINT (optional), AWS_REGION, and the
 * database as lib/db/connect.ts opens it: DATABASE_URL, or ALT_DATABASE_HOST + ALT_DATABASE_USER (IAM auth as alt_transformer, as the
 * stack sets it) or + ALT_DATABASE_SECRET_ARN.
 *
 * Event (all optional): `{ "lookbackHours": 48, "graceMinutes": 15, "hours": ["2026-11-25T03"] }`;
 * `hours` compacts exactly those hours (a backfill), whatever the listing says.
 */
import { loadConfig } from '../../lib/config.ts';
import type { GetSecretString } from '../../lib/db/aurora-secret.ts';
import { type ConnectDeps, databaseSettings, openLambdaDatabase } from '../../lib/db/connect.ts';
import type { SignToken } from '../../lib/db/iam-auth.ts';
import type { ObjectStore } from '../lake/object-store.ts';
import { parseHour } from '../lake/paths.ts';
import { createS3Store } from '../lake/s3-store.ts';
import { type CompactResult, compactHour } from '../maintenance/compact.ts';
import { DUE_DEFAULTS, listDueHours } from '../maintenance/due.ts';
import { createSqlRollupStore } from '../rollups/sql-store.ts';
import type { RollupStore } from '../rollups/store.ts';

export interface CompactEvent {
  lookbackHours?: number;
  graceMinutes?: number;
  /** `YYYY-MM-DDTHH` (UTC): compact these hours instead of the due ones. */
  hours?: string[];
}

export interface CompactSummary {
  compacted: Pick<CompactResult, 'partition' | 'inputs' | 'rowsIn' | 'rowsOut'>[];
  /** Due hours left for the next run because the invocation ran out of time. */
  deferred: string[];
}

export interface CompactEntryOptions {
  /** The environment the config is loaded from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  getSecretString?: GetSecretString;
  /** IAM token signing (the SDK boundary; tests pass a fake). */
  sign?: SignToken;
  /** Tests only: the Aurora settings point at a local server (ConnectDeps.testServer). */
  testServer?: ConnectDeps['testServer'];
  now?: () => Date;
}

/** Time kept free before the Lambda's timeout: an hour is not started with less than this left. */
export const RESERVE_MS = 60_000;

const MAX_LOOKBACK_HOURS = 24 * 31;

function intIn(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`compact event: "${name}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

const log = (msg: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ msg, ...fields }));

export function createCompactEntry(opts: CompactEntryOptions = {}) {
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => new Date());
  let wired: { store: ObjectStore; rollups: RollupStore } | undefined;

  function wire() {
    const config = loadConfig({}, env);
    const bucket = config.lakeBucket;
    if (!bucket) throw new Error('ALT_LAKE_BUCKET is not set');
    // The pool connects on first use (as alt_transformer with an IAM token in the stack).
    const { db } = openLambdaDatabase(databaseSettings(config), {
      getSecretString: opts.getSecretString,
      sign: opts.sign,
      testServer: opts.testServer,
      max: 1,
    });
    const store = createS3Store({
      bucket,
      prefix: config.lakePrefix,
      endpoint: config.s3Endpoint,
      region: config.awsRegion,
    });
    return { store, rollups: createSqlRollupStore(db) };
  }

  return async (
    event?: CompactEvent | null,
    context?: { getRemainingTimeInMillis?(): number },
  ): Promise<CompactSummary> => {
    const e = event ?? {};
    const lookbackHours = intIn(
      e.lookbackHours,
      'lookbackHours',
      1,
      MAX_LOOKBACK_HOURS,
      DUE_DEFAULTS.lookbackHours,
    );
    const graceMinutes = intIn(e.graceMinutes, 'graceMinutes', 0, 24 * 60, DUE_DEFAULTS.graceMinutes);
    if (e.hours !== undefined && !Array.isArray(e.hours)) {
      throw new Error('compact event: "hours" must be a list of YYYY-MM-DDTHH');
    }
    const explicit = (e.hours ?? []).map((h) => parseHour(String(h)));
    wired ??= wire();
    const { store, rollups } = wired;

    let due: string[];
    if (explicit.length > 0) due = [...new Set(explicit)].sort();
    else {
      due = await listDueHours(store, now(), { graceMinutes, lookbackHours });
    }

    const summary: CompactSummary = { compacted: [], deferred: [] };
    const failed: { partition: string; error: string }[] = [];
    for (const [i, partition] of due.entries()) {
      const left = context?.getRemainingTimeInMillis?.();
      if (left !== undefined && left < RESERVE_MS) {
        summary.deferred = due.slice(i);
        break;
      }
      try {
        const r = await compactHour({ store, rollups }, partition);
        summary.compacted.push({ partition, inputs: r.inputs, rowsIn: r.rowsIn, rowsOut: r.rowsOut });
        log('compacted', { partition, inputs: r.inputs, rowsIn: r.rowsIn, rowsOut: r.rowsOut });
      } catch (err) {
        // One bad hour must not keep the others from being compacted; the run still fails below.
        failed.push({ partition, error: (err as Error).message });
        log('compaction failed', { partition, error: (err as Error).message });
      }
    }
    log('compaction run', {
      due: due.length,
      compacted: summary.compacted.length,
      deferred: summary.deferred.length,
      failed: failed.length,
    });
    if (failed.length > 0) {
      throw new Error(
        `compaction failed for ${failed.length} of ${due.length} hour(s): ${failed.map((f) => `${f.partition}: ${f.error}`).join('; ')}`,
      );
    }
    return summary;
  };
}

export const handler = createCompactEntry();
