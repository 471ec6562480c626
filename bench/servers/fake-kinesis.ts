/**
 * A fast local stand-in for the Kinesis API, for load only (kinesis-local manages ~600 records/s):
 * answers `PutRecords` with success for every entry, and the few read-only calls a producer makes
 * to check health. Nothing is stored; it counts records and bytes so the harness can check that
 * the collector really delivered. `--delay-ms N` makes every PutRecords answer N ms late (a slow
 * sink for the overload run).
 *
 * Process entry: `node --import tsx bench/servers/fake-kinesis.ts [--delay-ms N]` prints
 * `BENCH_READY {"port":…}`; `GET /stats` returns the counters.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { announce } from './announce.ts';

export interface FakeKinesisStats {
  putRecordsCalls: number;
  records: number;
  dataBytes: number;
  otherCalls: Record<string, number>;
}

const JSON_TYPE = 'application/x-amz-json-1.1';

export function createFakeKinesis(o: { delayMs?: number } = {}): {
  server: http.Server;
  stats: FakeKinesisStats;
} {
  const stats: FakeKinesisStats = { putRecordsCalls: 0, records: 0, dataBytes: 0, otherCalls: {} };
  let seq = 0n;
  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `fake-${process.pid}-${stats.putRecordsCalls}`,
    });
    res.end(text);
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') return reply(res, 200, stats);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.split('.')[1] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return reply(res, 400, { __type: 'SerializationException', message: 'bad JSON' });
      }
      if (op === 'PutRecords') {
        const records = (body.Records as { Data: string }[] | undefined) ?? [];
        stats.putRecordsCalls++;
        stats.records += records.length;
        for (const r of records) stats.dataBytes += Buffer.byteLength(r.Data, 'base64');
        const answer = {
          FailedRecordCount: 0,
          Records: records.map(() => ({
            SequenceNumber: String(++seq).padStart(56, '0'),
            ShardId: 'shardId-000000000000',
          })),
        };
        if (o.delayMs) setTimeout(() => reply(res, 200, answer), o.delayMs);
        else reply(res, 200, answer);
        return;
      }
      stats.otherCalls[op] = (stats.otherCalls[op] ?? 0) + 1;
      const name = String(body.StreamName ?? 'alt-hits');
      const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
      if (op === 'DescribeStreamSummary') {
        return reply(res, 200, {
          StreamDescriptionSummary: {
            StreamName: name,
            StreamARN: arn,
            StreamStatus: 'ACTIVE',
            RetentionPeriodHours: 24,
            StreamCreationTimestamp: 1_700_000_000,
            EnhancedMonitoring: [],
            OpenShardCount: 1,
            EncryptionType: 'NONE',
          },
        });
      }
      if (op === 'PutRecord') {
        return reply(res, 200, {
          SequenceNumber: String(++seq).padStart(56, '0'),
          ShardId: 'shardId-000000000000',
        });
      }
      if (op === 'ListShards') {
        return reply(res, 200, {
          Shards: [
            {
              ShardId: 'shardId-000000000000',
              HashKeyRange: {
                StartingHashKey: '0',
                EndingHashKey: '340282366920938463463374607431768211455',
              },
              SequenceNumberRange: { StartingSequenceNumber: '0' },
            },
          ],
        });
      }
      reply(res, 400, { __type: 'UnknownOperationException', message: `fake Kinesis does not do ${op}` });
    });
  });
  server.keepAliveTimeout = 65_000;
  return { server, stats };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { 'delay-ms': { type: 'string', default: '0' } } });
  const { server } = createFakeKinesis({ delayMs: Number(values['delay-ms']) });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    announce({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}
