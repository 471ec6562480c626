/**
 * What the collector's routes hand validated, enriched hits to. The implementation (`batcher.ts`)
 * groups rows into envelope records and writes them to a `Stream`; routes only await `submit`.
 */
import type { EnvelopeKind } from '../lib/envelope.ts';
import type { LakeRow } from '../schemas/lake.ts';

export interface HitSink {
  /**
   * Resolves once every row is durable in the stream (Kinesis acknowledged, or fsynced to the
   * local log or spool): only then may the route answer 2xx. Throws `OverloadedError`
   * synchronously-or-rejected when memory or the spool is full (route answers 503), and rejects
   * with any other error when the rows could not be made durable (route answers 503 too).
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

export class OverloadedError extends Error {
  constructor(
    message: string,
    /** Seconds the client should wait (`Retry-After`). */
    readonly retryAfterSec = 1,
  ) {
    super(message);
    this.name = 'OverloadedError';
  }
}

/** Hooks the sink calls so `metrics.ts` can count without the sink knowing prom-client. */
export interface SinkObserver {
  flushed?(info: {
    kind: EnvelopeKind;
    hits: number;
    bytes: number;
    records: number;
    latencyMs: number;
  }): void;
  sinkError?(info: { sink: string; reason: string }): void;
  spooled?(info: { records: number; bytes: number }): void;
  spoolBytes?(bytes: number): void;
  inflightBytes?(bytes: number): void;
}
