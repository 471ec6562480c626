/**
 * Fault-test child: runs a batcher over a durable stream, submits hits without pause and prints
 * each hit's `log_id` to stdout only after its `submit` resolved (= acknowledged, "2xx"). The test
 * SIGKILLs it mid-load and checks every printed id survived.
 *
 *   tsx ack-writer.ts segment-log <dir>
 *   tsx ack-writer.ts spooling <spoolDir> <kinesisEndpoint> <streamName>
 */
import { createBatcher } from '../../collector/batcher.ts';
import type { StreamWriter } from '../../stream/contract.ts';
import { EnvelopeKind } from '../../stream/envelope.ts';
import { createKinesisClient } from '../../stream/kinesis/client.ts';
import { createKinesisWriter } from '../../stream/kinesis/writer.ts';
import { createSegmentLogWriter } from '../../stream/segment-log/stream-writer.ts';
import { createSpoolingWriter } from '../../stream/spool.ts';
import { makeRow } from './rows.ts';

const [mode, dir, endpoint, streamName] = process.argv.slice(2);

let stream: StreamWriter;
if (mode === 'segment-log') {
  stream = await createSegmentLogWriter(dir);
} else {
  const client = createKinesisClient({ region: 'us-east-1', endpoint, requestTimeoutMs: 1000 });
  // Deadline below the spool's timeout: a spooled put does not land in Kinesis later as well.
  const primary = createKinesisWriter({
    client,
    streamName,
    deadlineMs: 1000,
    backoff: { minMs: 20, maxMs: 200 },
  });
  stream = await createSpoolingWriter({
    primary,
    spoolDir: dir,
    spoolMaxBytes: 256 << 20,
    primaryTimeoutMs: 1500,
    drainBackoff: { minMs: 20, maxMs: 200 },
  });
}
const sink = createBatcher({
  stream,
  flushHits: 100,
  flushBytes: 256 * 1024,
  lingerMs: 2,
  maxInflightBytes: 64 << 20,
});

const run = `${process.pid}`;
let n = 0;
let out = '';
let scheduled = false;
// Batched stdout writes: printing happens strictly after the submit resolved.
const print = (ids: string[]) => {
  out += `${ids.join('\n')}\n`;
  if (!scheduled) {
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      process.stdout.write(out);
      out = '';
    });
  }
};

async function worker(): Promise<void> {
  for (;;) {
    const ids = Array.from({ length: 5 }, () => `${run}-${n++}`);
    try {
      await sink.submit(
        EnvelopeKind.LAKE_ROWS,
        ids.map((id) => makeRow(id)),
      );
      print(ids);
    } catch (err) {
      process.stderr.write(`submit failed: ${(err as Error).message}\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

process.stderr.write('ready\n');
await Promise.all(Array.from({ length: 32 }, worker));
