/**
 * `StreamReader` over the Kinesis API (used by the local transformer poller against kinesis-local;
 * in AWS the transformer Lambda gets batches from an event source mapping instead). Shards are read
 * round-robin; checkpoints (last committed sequence number per shard) live in one JSON file,
 * replaced atomically. `next` always reads after the committed checkpoint of a shard: an
 * uncommitted batch is returned again.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { readJsonFile, writeFileAtomic } from '../atomic-file.ts';
import type { ReadRecord, StreamBatch, StreamReader } from '../contract.ts';

export interface KinesisReaderOptions {
  client: KinesisClient;
  streamName: string;
  checkpointFile: string;
  /** Re-list shards this often (resharding). */
  shardRefreshMs?: number;
}

type Checkpoints = Record<string, string>;

interface CachedIterator {
  iterator: string;
  /** The iterator continues after this sequence number (undefined: from TRIM_HORIZON). */
  after: string | undefined;
}

export async function createKinesisReader(options: KinesisReaderOptions): Promise<StreamReader> {
  const { client, streamName, checkpointFile } = options;
  const shardRefreshMs = options.shardRefreshMs ?? 60_000;
  const checkpoints: Checkpoints = (await readJsonFile<Checkpoints>(checkpointFile)) ?? {};
  const iterators = new Map<string, CachedIterator>();
  let shards: Shard[] = [];
  let shardsAt = Number.NEGATIVE_INFINITY;
  let turn = 0;
  let closed = false;

  async function listShards(): Promise<Shard[]> {
    if (Date.now() - shardsAt < shardRefreshMs) return shards;
    const all: Shard[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(
        new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }),
      );
      all.push(...(out.Shards ?? []));
      token = out.NextToken;
    } while (token);
    shards = all;
    shardsAt = Date.now();
    return shards;
  }

  async function iteratorFor(shardId: string): Promise<string | undefined> {
    const after = checkpoints[shardId];
    const cached = iterators.get(shardId);
    if (cached && cached.after === after) return cached.iterator;
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return out.ShardIterator;
  }

  const getRecords = (iterator: string, limit: number) =>
    client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));

  async function readShard(shardId: string, maxRecords: number): Promise<StreamBatch | null> {
    const iterator = await iteratorFor(shardId);
    if (!iterator) return null; // a closed shard read to its end
    let out: Awaited<ReturnType<typeof getRecords>>;
    try {
      out = await getRecords(iterator, maxRecords);
    } catch (err) {
      // An expired or bad iterator must not stick: the next call asks for a fresh one.
      iterators.delete(shardId);
      throw err;
    }
    const records: ReadRecord[] = (out.Records ?? []).map((r) => ({
      shardId,
      sequenceNumber: r.SequenceNumber ?? '',
      data: r.Data ?? new Uint8Array(),
      arrivedAt: r.ApproximateArrivalTimestamp ?? new Date(),
    }));
    const after = records.length > 0 ? records[records.length - 1].sequenceNumber : checkpoints[shardId];
    if (out.NextShardIterator) iterators.set(shardId, { iterator: out.NextShardIterator, after });
    else iterators.delete(shardId);
    return records.length > 0 ? { shardId, records } : null;
  }

  return {
    async next(maxRecords) {
      if (closed) throw new Error('reader is closed');
      const list = await listShards();
      for (let i = 0; i < list.length; i++) {
        const shard = list[(turn + i) % list.length];
        const batch = await readShard(shard.ShardId ?? '', Math.min(maxRecords, 10_000));
        if (batch) {
          turn = (turn + i + 1) % list.length;
          return batch;
        }
      }
      return null;
    },
    async commit(batch) {
      const last = batch.records[batch.records.length - 1].sequenceNumber;
      const prev = checkpoints[batch.shardId];
      // Kinesis sequence numbers of one shard grow; compare as numbers of any length.
      if (prev && BigInt(prev) >= BigInt(last)) return;
      await writeFileAtomic(checkpointFile, JSON.stringify({ ...checkpoints, [batch.shardId]: last }));
      checkpoints[batch.shardId] = last;
    },
    async close() {
      closed = true;
    },
  };
}
