/**
 * What the collector's routes hand validated, enriched hits to. The implementation (`batcher.ts`)
 * groups rows into envelope records and writes them to a `StreamWriter`; routes only await `submit`.
 */
import type { LakeRow } from '../schemas/lake.ts';
import type { EnvelopeKind } from '../stream/envelope.ts';
import type { SpoolObserver } from '../stream/spool.ts';

export interface HitSink {
  /**
   * Resolves once every row is durable in the stream (Kinesis acknowledged, or fsynced to the
   * local log or spool): only then may the route answer 2xx. Throws `OverloadedError`
   * (`stream/contract.ts`) synchronously-or-rejected when memory or the spool is full (route
   * answers 503), and rejects with any other error when the rows could not be made durable (route
   * answers 503 too).
   */
  submit(kind: EnvelopeKind, rows: readonly LakeRow[]): Promise<void>;
  /** Can take writes now: stream reachable or spool has room (`/readyz`). */
  isReady(): Promise<boolean>;
  /**
   * Optional, synchronous: false when the memory bound is (nearly) reached, so a submit now would
   * be refused anyway. Routes ask before reading and parsing a body, to refuse cheaply under load.
   */
  hasRoom?(): boolean;
  /** Flushes everything buffered, then closes the stream (SIGTERM). */
  close(): Promise<void>;
}

/**
 * Hooks the sink (and the spool under it) calls so `metrics.ts` can count without either knowing
 * prom-client.
 */
export interface SinkObserver extends SpoolObserver {
  flushed?(info: {
    kind: EnvelopeKind;
    hits: number;
    bytes: number;
    records: number;
    latencyMs: number;
  }): void;
  inflightBytes?(bytes: number): void;
}
