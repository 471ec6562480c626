/**
 * The drill verdict (pure): what was acknowledged against what reached the lake, and the rollups
 * against the lake. PASS = no acknowledged hit missing, rollups equal to the lake (after
 * compaction), and every drill-specific check true.
 */

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface LakeCounts {
  /** Rows in the lake (duplicates included). */
  rows: number;
  /** Rows whose log_id appeared before in the lake (rows − distinct log_ids). */
  duplicates: number;
}

export interface DrillInput {
  sent: number;
  ackedIds: Iterable<string>;
  lakeIds: ReadonlySet<string>;
  beforeCompaction: LakeCounts;
  afterCompaction: LakeCounts;
  /** Per `app_id|hour` key: lake rows and rollup hits, after compaction. */
  lakeByKey: ReadonlyMap<string, number>;
  rollupByKey: ReadonlyMap<string, number>;
  checks?: Check[];
  /** The transform's drain: `duplicates` = log_ids repeated within a batch, dropped before the lake. */
  drain?: { duplicates: number };
}

export interface DrillNumbers {
  sent: number;
  acked: number;
  inLake: number;
  ackedMissing: number;
  /** Up to 5 missing log_ids, for the report. */
  missingSample: string[];
  /** Repeated log_ids the transformer dropped within its batches (never reached the lake). */
  dupInStream: number;
  dupBefore: number;
  dupAfter: number;
  lakeRows: number;
  rollupHits: number;
  /** Keys where rollups and lake disagree. */
  rollupMismatches: string[];
  checks: Check[];
  pass: boolean;
}

export function compareKeys(
  lake: ReadonlyMap<string, number>,
  rollups: ReadonlyMap<string, number>,
): string[] {
  const keys = new Set([...lake.keys(), ...rollups.keys()]);
  return [...keys]
    .filter((k) => (lake.get(k) ?? 0) !== (rollups.get(k) ?? 0))
    .sort()
    .map((k) => `${k}: lake ${lake.get(k) ?? 0} ≠ rollups ${rollups.get(k) ?? 0}`);
}

/**
 * `judge` for a drill that drove load: what the load generator sent and had acknowledged, against
 * what the lake and the rollups hold afterwards.
 */
export function judgeLoad(
  load: { hitsSent: number; acked: Iterable<string> },
  lake: Omit<DrillInput, 'sent' | 'ackedIds' | 'checks'>,
  checks: Check[],
): DrillNumbers {
  return judge({ sent: load.hitsSent, ackedIds: load.acked, ...lake, checks });
}

export function judge(input: DrillInput): DrillNumbers {
  const acked = new Set(input.ackedIds);
  const missing = [...acked].filter((id) => !input.lakeIds.has(id));
  const sum = (m: ReadonlyMap<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const rollupMismatches = compareKeys(input.lakeByKey, input.rollupByKey);
  const checks = input.checks ?? [];
  return {
    sent: input.sent,
    acked: acked.size,
    inLake: [...acked].length - missing.length,
    ackedMissing: missing.length,
    missingSample: missing.slice(0, 5),
    dupInStream: input.drain?.duplicates ?? 0,
    dupBefore: input.beforeCompaction.duplicates,
    dupAfter: input.afterCompaction.duplicates,
    lakeRows: input.afterCompaction.rows,
    rollupHits: sum(input.rollupByKey),
    rollupMismatches,
    checks,
    pass:
      missing.length === 0 &&
      rollupMismatches.length === 0 &&
      input.afterCompaction.duplicates === 0 &&
      checks.every((c) => c.pass),
  };
}

/** A check from a condition, with the detail shown either way. */
export const check = (name: string, pass: boolean, detail: string): Check => ({ name, pass, detail });
