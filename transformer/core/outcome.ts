/**
 * What became of each line of a batch, as data (PostHog's ingestion does the same): a lake row,
 * dropped on purpose, or bad. Bad data is an outcome, never an exception. Reasons are small fixed
 * sets so they can label metrics; a bad line's wording for `bad/` travels apart in `detail`.
 */
import type { LakeRow } from '../../schemas/lake.ts';

/** Why a valid line is not a lake row. */
export const DROP_REASONS = [
  /** A `log_id` already kept in this batch (first wins): a collector retry. */
  'duplicate',
  /** A hit of a dropped-bots envelope: counted in the rollups, never stored. */
  'dropped_bot',
  /** Replay of chosen hours: a row of another hour, skipped. */
  'not_replayed',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Why a record or line went to `bad/`. */
export const BAD_REASONS = [
  'undecodable_record',
  'line_too_long',
  'invalid_utf8',
  'invalid_json',
  'schema',
] as const;
export type BadReason = (typeof BAD_REASONS)[number];

/**
 * One line's fate. `hourMs` (start of the UTC hour of `row.timestamp`) is computed once, by the
 * classifier, for the partition and the rollups. A record that fails to decode is one `bad`
 * outcome for the whole record, with no line.
 */
export type LineOutcome =
  | { kind: 'ok'; row: LakeRow; hourMs: number }
  | { kind: 'dropped'; reason: 'dropped_bot'; row: LakeRow; hourMs: number }
  | { kind: 'dropped'; reason: 'duplicate' | 'not_replayed' }
  | {
      kind: 'bad';
      reason: BadReason;
      /** The wording written to `bad/` (`invalid JSON: …`, `schema: /url …`). */
      detail: string;
      /** The offending line, verbatim, when it decoded as UTF-8. */
      line?: string;
      /** The record, or the line's bytes, base64, when they could not be decoded. */
      data_base64?: string;
    };

export type BadOutcome = Extract<LineOutcome, { kind: 'bad' }>;
/** An outcome holding a valid row: a lake row or a dropped bot. */
export type RowOutcome = Extract<LineOutcome, { row: LakeRow }>;
/** What one line alone can tell (`classify.ts`); duplicates and replay need the batch. */
export type ClassifiedLine = RowOutcome | BadOutcome;

/** Counts of a batch's outcomes, every reason present (zero when none). */
export interface OutcomeCounts {
  ok: number;
  dropped: Record<DropReason, number>;
  bad: Record<BadReason, number>;
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function emptyOutcomeCounts(): OutcomeCounts {
  return { ok: 0, dropped: zeros(DROP_REASONS), bad: zeros(BAD_REASONS) };
}

export function countOutcome(counts: OutcomeCounts, o: LineOutcome): void {
  if (o.kind === 'ok') counts.ok++;
  else if (o.kind === 'dropped') counts.dropped[o.reason]++;
  else counts.bad[o.reason]++;
}

export function addOutcomeCounts(a: OutcomeCounts, b: OutcomeCounts): OutcomeCounts {
  const out = emptyOutcomeCounts();
  out.ok = a.ok + b.ok;
  for (const r of DROP_REASONS) out.dropped[r] = a.dropped[r] + b.dropped[r];
  for (const r of BAD_REASONS) out.bad[r] = a.bad[r] + b.bad[r];
  return out;
}

/** Every (outcome, reason) with its count, zeros included; `ok` has the reason `ok`. */
export function outcomeEntries(
  c: OutcomeCounts,
): { outcome: LineOutcome['kind']; reason: string; count: number }[] {
  return [
    { outcome: 'ok', reason: 'ok', count: c.ok },
    ...DROP_REASONS.map((reason) => ({ outcome: 'dropped' as const, reason, count: c.dropped[reason] })),
    ...BAD_REASONS.map((reason) => ({ outcome: 'bad' as const, reason, count: c.bad[reason] })),
  ];
}
