/**
 * The stream between collector and transformer: Kinesis in AWS, the local segment log on one
 * machine. Producers and consumers see only these interfaces; each implementation passes the same
 * contract tests.
 */

/** One record as the collector writes it: an envelope (see `envelope.ts`) of many hits. */
export interface StreamRecord {
  /** Spreads load across shards; the collector uses a random key per record. */
  partitionKey: string;
  data: Uint8Array;
}

export interface StreamLimits {
  /** Largest record the stream takes (Kinesis: 1 MiB). */
  maxRecordBytes: number;
  /** Most records per `put` (Kinesis PutRecords: 500). */
  maxRecordsPerPut: number;
}

/** The producer side. */
export interface StreamWriter {
  readonly limits: StreamLimits;
  /**
   * Resolves only once every record is durable (Kinesis acknowledged it, or it is appended and
   * fsynced to disk); rejects if any record is not. Callers acknowledge hits only after this.
   */
  put(records: StreamRecord[]): Promise<void>;
  /** Can this stream take writes now? (`/readyz`) */
  isHealthy(): Promise<boolean>;
  /** Flushes and releases resources; later `put`s reject. */
  close(): Promise<void>;
}

/**
 * A `put` that failed after the stream had taken some of its records (Kinesis accepted one
 * PutRecords call of several, or some entries of one). `delivered[i]` is true for the records the
 * stream holds: a caller that retries sends only the others, instead of duplicating these.
 */
export class PartialPutError extends Error {
  readonly delivered: readonly boolean[];
  constructor(message: string, delivered: readonly boolean[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'PartialPutError';
    this.delivered = delivered;
  }
}

/**
 * The writer cannot take records now (the spool is full; in the collector, also its memory
 * bound): nothing was written, try again after `retryAfterSec`. The collector answers it with 503
 * and `Retry-After`.
 */
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

/** One record as a consumer reads it. */
export interface ReadRecord {
  shardId: string;
  /** Orders records within a shard; compares correctly as a string (zero-padded decimal). */
  sequenceNumber: string;
  data: Uint8Array;
  /** When the stream accepted it (Kinesis ApproximateArrivalTimestamp, segment log append time). */
  arrivedAt: Date;
}

/** Consecutive records of one shard: the unit the transformer processes exactly once. */
export interface StreamBatch {
  shardId: string;
  /** Non-empty, in sequence order. */
  records: ReadRecord[];
}

export const firstSeq = (b: StreamBatch): string => b.records[0].sequenceNumber;
export const lastSeq = (b: StreamBatch): string => b.records[b.records.length - 1].sequenceNumber;

/** The consumer side: a checkpointed reader. */
export interface StreamReader {
  /** The next records after the last committed checkpoint (of some shard); null when caught up. */
  next(maxRecords: number): Promise<StreamBatch | null>;
  /** Moves the checkpoint past `batch`, once everything it produced is durable. */
  commit(batch: StreamBatch): Promise<void>;
  close(): Promise<void>;
}
