/** Test fixtures: lake rows, stream batches and an in-memory `StreamReader`. */
import { randomUUID } from 'node:crypto';
import { SCHEMA_VERSION } from '../../schemas/columns.ts';
import type { LakeRow } from '../../schemas/lake.ts';
import type { ReadRecord, StreamBatch, StreamReader } from '../../stream/contract.ts';
import { EnvelopeKind, encodeRows } from '../../stream/envelope.ts';

export const APP = 'alt_0123456789abcdefghijkl';

let n = 0;
export function makeRow(over: Partial<LakeRow> = {}): LakeRow {
  n++;
  return {
    log_id: randomUUID(),
    app_id: APP,
    client_sub_id: null,
    module_id: n % 2 ? 'hero' : null,
    event_type: 'pageview',
    event_name: null,
    source: 'beacon',
    timestamp: '2026-11-25T03:15:00.123Z',
    received_at: '2026-11-25T03:15:01.456Z',
    url: `https://example.com/p/${n}?q=1`,
    referrer: null,
    user_agent: 'Mozilla/5.0',
    client_ip: '203.0.113.0',
    session_id: null,
    visitor_id: 'v'.repeat(16),
    status_code: 200,
    status: null,
    response_time_ms: 40 + (n % 300),
    request_id: null,
    metadata: '{"ab":"x"}',
    is_bot: false,
    schema_version: SCHEMA_VERSION,
    // What the collector writes of schema 2 on every line (the Web Vitals only on web_vitals events).
    country: n % 3 ? 'DE' : null,
    ...over,
  };
}

export const seq = (i: number) => String(i).padStart(20, '0');

/** One record per element: an array of rows (LAKE_ROWS envelope), `{dropped}` or raw bytes. */
export type RecordSpec = LakeRow[] | { dropped: LakeRow[] } | Uint8Array;

export function makeBatch(
  records: RecordSpec[],
  opts: { shardId?: string; firstSeq?: number; arrivedAt?: Date } = {},
): StreamBatch {
  const shardId = opts.shardId ?? 'shard-0';
  const first = opts.firstSeq ?? 1;
  const arrivedAt = opts.arrivedAt ?? new Date('2026-11-25T03:20:00Z');
  return {
    shardId,
    records: records.map(
      (spec, i): ReadRecord => ({
        shardId,
        sequenceNumber: seq(first + i),
        arrivedAt,
        data:
          spec instanceof Uint8Array
            ? spec
            : Array.isArray(spec)
              ? encodeRows(EnvelopeKind.LAKE_ROWS, spec)
              : encodeRows(EnvelopeKind.DROPPED_BOTS, spec.dropped),
      }),
    ),
  };
}

/**
 * An in-memory checkpointed reader over fixed batches: `next` returns the first uncommitted batch,
 * so an uncommitted batch (a crash) is read again, as a real reader would.
 */
export function memoryReader(batches: StreamBatch[]): StreamReader & { committed: number } {
  const state = { committed: 0 };
  return {
    get committed() {
      return state.committed;
    },
    async next() {
      return batches[state.committed] ?? null;
    },
    async commit(b) {
      if (batches[state.committed] !== b) throw new Error('commit out of order');
      state.committed++;
    },
    async close() {},
  };
}
