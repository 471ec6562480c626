/**
 * The one fold from line outcomes to a batch plan: rows grouped by hour as NDJSON runs, rollup
 * deltas, `bad/` items, and counts by outcome and reason. It also decides what needs the whole
 * batch, turning an `ok` or dropped bot into `dropped(not_replayed)` (an hour not being replayed)
 * or `dropped(duplicate)` (a `log_id` kept before: first wins).
 */

import { type LakeRow, partitionOf } from '../../schemas/lake.ts';
import { firstSeq, lastSeq, type StreamBatch } from '../../stream/contract.ts';
import { deriveInto, fromFragment } from './derive.ts';
import { createFragmentBuffer } from './fragment-buffer.ts';
import { LogIdSet } from './log-id-set.ts';
import {
  type BadOutcome,
  type ClassifiedLine,
  countOutcome,
  emptyOutcomeCounts,
  type LineOutcome,
} from './outcome.ts';
import type { BadItem, PartitionGroup, PlanOptions, PlanWithIds } from './plan.ts';
import { createRollupAccumulator } from './rollup.ts';
import { takeSlab } from './slabs.ts';

/**
 * One hour's group while planning, with its open run, not yet in `ndjson`: either bytes
 * `[start, end)` of `body`, or bytes `[outStart, outEnd)` of `out`, lines rebuilt with their derived
 * columns (never both at once).
 */
interface HourState {
  group: PartitionGroup;
  body: Buffer | null;
  start: number;
  end: number;
  out: Buffer | null;
  outStart: number;
  outEnd: number;
}

const NEWLINE = Buffer.from('\n');
/** The end of a rebuilt line. */
const CLOSE_LINE = Buffer.from('}\n');
// Outcomes decided here carry nothing of their line: one object each serves every line.
const DUPLICATE: LineOutcome = { kind: 'dropped', reason: 'duplicate' };
const NOT_REPLAYED: LineOutcome = { kind: 'dropped', reason: 'not_replayed' };

function closeRun(h: HourState): void {
  if (h.out && h.outEnd > h.outStart) {
    h.group.ndjson.push(h.out.subarray(h.outStart, h.outEnd));
    h.outStart = h.outEnd;
  }
  if (!h.body) return;
  h.group.ndjson.push(h.body.subarray(h.start, h.end));
  if (h.body[h.end - 1] !== 0x0a) h.group.ndjson.push(NEWLINE);
  h.body = null;
}

const CLOSE_BRACE = 0x7d;
/**
 * Rebuilt lines are copied into slabs, the first small (an hour may hold a handful of late hits),
 * each next one twice the last, up to 1 MiB; a longer line gets a slab of its own. Slabs come from
 * `slabs.ts`, which has them back from the plans written before (`releasePlan`).
 */
const FIRST_SLAB_BYTES = 32 * 1024;
const MAX_SLAB_BYTES = 1024 * 1024;

/**
 * Appends line `[start, end)` of `body` to the hour's rebuilt run with `fragment[0, length)` (a
 * row's derived members) inserted before its closing brace, byte for byte: no decoding of the line,
 * no string per line.
 */
function appendWithFragment(
  h: HourState,
  body: Buffer,
  start: number,
  end: number,
  fragment: Buffer,
  length: number,
): void {
  let brace = end - 1;
  // The line is a JSON object: only whitespace may follow its brace.
  while (body[brace] !== CLOSE_BRACE) brace--;
  const need = brace - start + length + 2;
  if (!h.out || h.outEnd + need > h.out.length) {
    closeRun(h);
    const size = h.out ? Math.min(MAX_SLAB_BYTES, h.out.length * 2) : FIRST_SLAB_BYTES;
    h.out = takeSlab(Math.max(size, need));
    h.outStart = 0;
    h.outEnd = 0;
  }
  const out = h.out;
  let at = h.outEnd + body.copy(out, h.outEnd, start, brace);
  at += fragment.copy(out, at, 0, length);
  out[at++] = CLOSE_BRACE;
  out[at++] = 0x0a;
  h.outEnd = at;
}

/** The record a line came from, once per record. */
export interface RecordSource {
  sequenceNumber: string;
  body: Buffer;
  /** A bare JSON record: may be pretty-printed, so its row is re-serialized onto one line. */
  bare: boolean;
}

/** `ids`: the empty sets to keep the batch's `log_id`s in (`planBatch` reuses them batch after batch). */
export function createPlanFold(
  batch: StreamBatch,
  opts: PlanOptions = {},
  ids: { lake: LogIdSet; dropped: LogIdSet } = { lake: new LogIdSet(), dropped: new LogIdSet() },
) {
  const derive = opts.deriveFragment ? fromFragment(opts.deriveFragment) : deriveInto;
  const fragment = createFragmentBuffer();
  const bad: BadItem[] = [];
  const seenLake = ids.lake;
  const seenDropped = ids.dropped;
  const acc = createRollupAccumulator();
  const outcomes = emptyOutcomeCounts();
  // Per hour (epoch ms of its start): the partition name and group, built once; the per-hit path
  // is a numeric Map lookup, skipped when a hit is in the same hour as the one before.
  const hours = new Map<number, HourState | null>();
  let lastHourMs = Number.NaN;
  let last: HourState | null = null;
  const hourState = (hourMs: number): HourState | null => {
    if (hourMs === lastHourMs) return last;
    let h = hours.get(hourMs);
    if (h === undefined) {
      const partition = partitionOf(new Date(hourMs));
      h =
        opts.onlyPartitions && !opts.onlyPartitions.has(partition)
          ? null
          : {
              group: { partition, ndjson: [], count: 0 },
              body: null,
              start: 0,
              end: 0,
              out: null,
              outStart: 0,
              outEnd: 0,
            };
      hours.set(hourMs, h);
    }
    lastHourMs = hourMs;
    last = h;
    return h;
  };
  /** Whether a line went to the plan as a view of its record's body since `takeKeptBody`. */
  let keptBody = false;
  const addLine = (h: HourState, body: Buffer, start: number, end: number) => {
    h.group.count++;
    const lineEnd = end < body.length ? end + 1 : end; // through its newline, when it has one
    if (h.body === body && h.end === start) {
      h.end = lineEnd;
      return;
    }
    closeRun(h);
    h.body = body;
    h.start = start;
    h.end = lineEnd;
  };
  /** A kept row, with its derived columns when there are any (none: the line's bytes as they are). */
  const keep = (h: HourState, row: LakeRow, rec: RecordSource, start: number, end: number) => {
    fragment.reset();
    derive(row, fragment.sink);
    const length = fragment.length();
    if (rec.bare) {
      const json = JSON.stringify(row);
      const members = fragment.buffer().subarray(0, length);
      const one = Buffer.concat([Buffer.from(json.slice(0, -1)), members, CLOSE_LINE]);
      addLine(h, one, 0, one.length - 1);
    } else if (length === 0) {
      keptBody = true;
      addLine(h, rec.body, start, end);
    } else {
      h.group.count++;
      if (h.body) closeRun(h);
      appendWithFragment(h, rec.body, start, end, fragment.buffer(), length);
    }
  };

  /** The classifier's outcome, refined by what the batch so far knows. */
  const admit = (o: ClassifiedLine): LineOutcome => {
    if (o.kind === 'bad') return o;
    if (!hourState(o.hourMs)) return NOT_REPLAYED;
    const seen = o.kind === 'ok' ? seenLake : seenDropped;
    return seen.add(o.row.log_id) ? o : DUPLICATE;
  };

  const addBad = (o: BadOutcome, sequenceNumber: string, lineNo?: number) => {
    // Members in this order: it is the order of the keys in `bad/`.
    bad.push({
      shard_id: batch.shardId,
      sequence_number: sequenceNumber,
      ...(lineNo !== undefined && { line_no: lineNo }),
      reason: o.detail,
      ...(o.line !== undefined && { line: o.line }),
      ...(o.data_base64 !== undefined && { data_base64: o.data_base64 }),
    });
  };

  return {
    /** Whether the plan holds a view into a record body added since the last call. */
    takeKeptBody(): boolean {
      const kept = keptBody;
      keptBody = false;
      return kept;
    },

    /** A record that could not be opened. */
    addRecord(o: BadOutcome, sequenceNumber: string): void {
      countOutcome(outcomes, o);
      addBad(o, sequenceNumber);
    },

    /** Line `lineNo` of `rec`, bytes `[start, end)` of its body, as the classifier saw it. */
    addLine(classified: ClassifiedLine, rec: RecordSource, lineNo: number, start: number, end: number): void {
      const o = admit(classified);
      countOutcome(outcomes, o);
      if (o.kind === 'ok') {
        acc.addLakeRow(o.row, o.hourMs);
        keep(hourState(o.hourMs) as HourState, o.row, rec, start, end);
      } else if (o.kind === 'dropped') {
        if (o.reason === 'dropped_bot') acc.addDroppedBot(o.row, o.hourMs);
      } else addBad(o, rec.sequenceNumber, lineNo);
    },

    finish(): PlanWithIds {
      const groups: PartitionGroup[] = [];
      for (const h of hours.values()) {
        if (!h || h.group.count === 0) continue;
        closeRun(h);
        groups.push(h.group);
      }
      return {
        plan: {
          shardId: batch.shardId,
          firstSeq: firstSeq(batch),
          lastSeq: lastSeq(batch),
          arrivedAt: batch.records[0].arrivedAt,
          partitions: groups.sort((a, b) => a.partition.localeCompare(b.partition)),
          bad,
          deltas: acc.deltas(),
          counts: {
            records: batch.records.length,
            lakeRows: outcomes.ok,
            droppedBots: outcomes.dropped.dropped_bot,
            duplicates: outcomes.dropped.duplicate,
            bad: bad.length,
          },
          outcomes,
        },
        lakeIds: seenLake,
        droppedIds: seenDropped,
      };
    },
  };
}
