/**
 * The AWS driver: a handler for a Kinesis event source mapping with `ReportBatchItemFailures`.
 * The records of one invocation are one batch per shard (an event source mapping sends one shard's
 * records per invocation). A batch is all-or-nothing: on failure the handler reports its first
 * sequence number, so Lambda retries from there; the retry overwrites the same objects and the
 * ledger keeps rollups exactly-once.
 */
import type { ReadRecord, StreamBatch } from '../../stream/contract.ts';
import type { BatchProcessor, BatchResult } from '../process-batch.ts';

export interface KinesisEventRecord {
  eventID: string;
  eventSourceARN?: string;
  kinesis: {
    data: string;
    sequenceNumber: string;
    partitionKey?: string;
    /** Seconds since the epoch (fractional). */
    approximateArrivalTimestamp?: number;
  };
}

export interface KinesisStreamEvent {
  Records: KinesisEventRecord[];
}

export interface BatchItemFailures {
  batchItemFailures: { itemIdentifier: string }[];
}

/** `shardId-000000000000:4954…` → `shardId-000000000000`. */
export function shardOf(r: KinesisEventRecord): string {
  const colon = r.eventID.lastIndexOf(':');
  if (colon > 0) return r.eventID.slice(0, colon);
  return r.eventSourceARN ? r.eventSourceARN.split('/').pop() || 'shard' : 'shard';
}

/** Kinesis sequence numbers are decimal strings of varying length: compare as numbers. */
const bySeq = (a: ReadRecord, b: ReadRecord) =>
  a.sequenceNumber.length - b.sequenceNumber.length || (a.sequenceNumber < b.sequenceNumber ? -1 : 1);

export function batchesOf(event: KinesisStreamEvent): StreamBatch[] {
  const byShard = new Map<string, ReadRecord[]>();
  for (const r of event.Records ?? []) {
    const shardId = shardOf(r);
    const rec: ReadRecord = {
      shardId,
      sequenceNumber: r.kinesis.sequenceNumber,
      data: new Uint8Array(Buffer.from(r.kinesis.data, 'base64')),
      arrivedAt: new Date(
        r.kinesis.approximateArrivalTimestamp !== undefined
          ? r.kinesis.approximateArrivalTimestamp * 1000
          : Date.now(),
      ),
    };
    byShard.set(shardId, [...(byShard.get(shardId) ?? []), rec]);
  }
  return [...byShard.entries()].map(([shardId, records]) => ({ shardId, records: records.sort(bySeq) }));
}

export interface HandlerDeps {
  processor: BatchProcessor;
  log?(msg: string, fields: Record<string, unknown>): void;
  /** After each batch that succeeded: where its metrics are published. */
  onBatch?(result: BatchResult): void;
}

export function createKinesisHandler(deps: HandlerDeps) {
  return async (event: KinesisStreamEvent): Promise<BatchItemFailures> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const batch of batchesOf(event)) {
      try {
        const r: BatchResult = await deps.processor.process(batch);
        deps.log?.('batch', {
          ...r.counts,
          shard: r.shardId,
          first: r.firstSeq,
          last: r.lastSeq,
          rollups: r.rollups,
        });
        deps.onBatch?.(r);
      } catch (err) {
        deps.log?.('batch failed', { shard: batch.shardId, error: (err as Error).message });
        failures.push({ itemIdentifier: batch.records[0].sequenceNumber });
      }
    }
    return { batchItemFailures: failures };
  };
}
