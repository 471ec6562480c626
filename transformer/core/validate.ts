/**
 * Parse + validate one NDJSON line against `LakeRowSchema`. Bad data is an outcome, never an
 * exception: the caller routes `bad` lines to `bad/` with the reason.
 */
import { Ajv } from 'ajv';
import { type LakeRow, LakeRowSchema } from '../../schemas/lake.ts';

/** `timestampMs`: `row.timestamp` in epoch ms, parsed once here for the partition and rollups. */
export type LineOutcome = { ok: true; row: LakeRow; timestampMs: number } | { ok: false; reason: string };

const ajv = new Ajv({ allErrors: false, strict: false });
const check = ajv.compile<LakeRow>(LakeRowSchema as object);

export function validateLine(line: string): LineOutcome {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  if (!check(value)) {
    const e = check.errors?.[0];
    const where = e?.instancePath || '/';
    const extra = e?.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return { ok: false, reason: `schema: ${where} ${e?.message ?? 'invalid'}${extra}` };
  }
  // The pattern admits impossible dates (month 13); the hour partition needs a real instant.
  const timestampMs = Date.parse(value.timestamp);
  if (Number.isNaN(timestampMs) || Number.isNaN(Date.parse(value.received_at))) {
    return { ok: false, reason: 'schema: timestamp is not a real date' };
  }
  return { ok: true, row: value, timestampMs };
}
