/**
 * The per-line classifier (pure): bytes of one line → `ok`, `dropped(dropped_bot)` or `bad(reason)`.
 * It sees one line alone; what needs the whole batch (first-wins `log_id`, replay's hour filter) the
 * plan's fold decides (`plan-fold.ts`).
 */
import { isUtf8 } from 'node:buffer';
import type { OpenedEnvelope } from '../../stream/envelope.ts';
import type { BadOutcome, ClassifiedLine } from './outcome.ts';
import { HOUR_MS } from './rollup.ts';
import { validateLine } from './validate.ts';

/**
 * Longest line accepted, in bytes: a batch body's limit (no hit the collector accepts comes near),
 * and well under DuckDB's `read_json` maximum_object_size (16 MiB), past which it fails a whole file.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** What a line's classification needs to know of its record. */
export interface LineContext {
  body: Buffer;
  /** The whole body is valid UTF-8 (checked once per record, so lines are checked only if not). */
  utf8: boolean;
  /** The record is a dropped-bots envelope. */
  droppedBots: boolean;
}

/** A record that could not be opened: one bad outcome for all of it. */
export function classifyUndecodable(
  data: Uint8Array,
  opened: Extract<OpenedEnvelope, { ok: false }>,
): BadOutcome {
  return {
    kind: 'bad',
    reason: 'undecodable_record',
    detail: opened.reason,
    data_base64: Buffer.from(data).toString('base64'),
  };
}

/** The line `body[start, end)` (without its newline). */
export function classifyLine(ctx: LineContext, start: number, end: number): ClassifiedLine {
  const { body } = ctx;
  // Decoding replaces invalid UTF-8 with U+FFFD, which would validate while DuckDB, reading the
  // bytes themselves, fails the whole file on them.
  const tooLong = end - start > MAX_LINE_BYTES;
  if (tooLong || (!ctx.utf8 && !isUtf8(body.subarray(start, end)))) {
    return {
      kind: 'bad',
      reason: tooLong ? 'line_too_long' : 'invalid_utf8',
      detail: tooLong ? `line of ${end - start} bytes is longer than ${MAX_LINE_BYTES}` : 'invalid UTF-8',
      data_base64: body.subarray(start, end).toString('base64'),
    };
  }
  const line = body.toString('utf8', start, end);
  const v = validateLine(line);
  if (!v.ok) {
    const reason = v.reason.startsWith('invalid JSON') ? 'invalid_json' : 'schema';
    return { kind: 'bad', reason, detail: v.reason, line };
  }
  const hourMs = v.timestampMs - (((v.timestampMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
  return ctx.droppedBots
    ? { kind: 'dropped', reason: 'dropped_bot', row: v.row, hourMs }
    : { kind: 'ok', row: v.row, hourMs };
}
