/** A `HitSink` for tests: records what it got, and can be told to fail or to report overload. */

import type { LakeRow } from '../../schemas/lake.ts';
import { OverloadedError } from '../../stream/contract.ts';
import type { EnvelopeKind } from '../../stream/envelope.ts';
import type { HitSink } from '../sink.ts';

export interface MemorySink extends HitSink {
  readonly batches: { kind: EnvelopeKind; rows: LakeRow[] }[];
  /** All rows of one kind, in submit order. */
  rows(kind?: EnvelopeKind): LakeRow[];
  /** `full`: `hasRoom()` is false (the route refuses before reading the body). */
  mode: 'ok' | 'fail' | 'overloaded' | 'full';
  ready: boolean;
  closed: boolean;
}

export function createMemorySink(): MemorySink {
  const sink: MemorySink = {
    batches: [],
    mode: 'ok',
    ready: true,
    closed: false,
    rows: (kind) => sink.batches.filter((b) => kind === undefined || b.kind === kind).flatMap((b) => b.rows),
    async submit(kind, rows) {
      if (sink.mode === 'overloaded') throw new OverloadedError('memory sink told to be full', 7);
      if (sink.mode === 'fail') throw new Error('memory sink told to fail');
      sink.batches.push({ kind, rows: [...rows] });
    },
    hasRoom: () => sink.mode !== 'full',
    async isReady() {
      return sink.ready;
    },
    async close() {
      sink.closed = true;
    },
  };
  return sink;
}
