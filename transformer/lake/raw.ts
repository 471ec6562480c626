/**
 * The raw archive format: gzip NDJSON, one line per stream record, holding the record's bytes
 * verbatim (base64) with its shard, sequence number and arrival time. Replay feeds these records
 * back through the same core, so a rebuilt lake equals the original, bad records included.
 */
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import type { ReadRecord, StreamBatch } from '../../stream/contract.ts';

interface RawLine {
  shard_id: string;
  sequence_number: string;
  arrived_at: string;
  data_base64: string;
}

/**
 * Huffman coding only: the payload is base64 of already-compressed records, where LZ77 finds
 * nothing to match and only the 6-bits-per-byte redundancy is left to remove. Same size (+1 %) as
 * level 6 at a third of the CPU (2.9 → 0.9 µs per hit, measured on 50,000-hit batches).
 */
const RAW_GZIP = { level: 1, strategy: constants.Z_HUFFMAN_ONLY };

export function encodeRaw(batch: StreamBatch): Uint8Array {
  let s = '';
  for (const r of batch.records) {
    const line: RawLine = {
      shard_id: r.shardId,
      sequence_number: r.sequenceNumber,
      arrived_at: r.arrivedAt.toISOString(),
      data_base64: Buffer.from(r.data).toString('base64'),
    };
    s += `${JSON.stringify(line)}\n`;
  }
  return gzipSync(s, RAW_GZIP);
}

export function decodeRaw(bytes: Uint8Array): StreamBatch {
  const records: ReadRecord[] = gunzipSync(bytes)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const r = JSON.parse(l) as RawLine;
      return {
        shardId: r.shard_id,
        sequenceNumber: r.sequence_number,
        arrivedAt: new Date(r.arrived_at),
        data: new Uint8Array(Buffer.from(r.data_base64, 'base64')),
      };
    });
  if (records.length === 0) throw new Error('empty raw file');
  return { shardId: records[0].shardId, records };
}
