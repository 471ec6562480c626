/**
 * CPU per PutRecords call: the AWS SDK client the collector uses (`createKinesisClient`) against
 * the same request sent with plain `node:http` (keep-alive, the JSON body the API takes), both to
 * the fake endpoint on the other core. Tells how much of the Kinesis path's cost per hit is the
 * SDK's per-call machinery (middleware, signing, serde) rather than the request itself.
 *
 * `npx tsx bench/kinesis-sdk.ts [--calls 2000] [--rounds 2]` (pin it: `taskset -c 1 …`) prints and
 * writes `bench/results/kinesis-sdk-<date>.json`.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../stream/kinesis/client.ts';
import { startProcess } from './lib/proc.ts';
import { stamp } from './lib/results.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { calls: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '2' } },
});
const calls = Number(values.calls);
const fake = await startProcess<{ port: number }>({
  script: join(HERE, 'servers/fake-kinesis.ts'),
  cpus: availableParallelism() >= 2 ? '0' : undefined,
});
try {
  const endpoint = `http://127.0.0.1:${fake.info.port}`;
  const client = createKinesisClient({ region: 'us-east-1', endpoint });
  // One envelope of ~40 beacon hits is ~8 KB of gzip.
  const data = new Uint8Array(8000).map((_, i) => (i * 31) % 251);
  const body = JSON.stringify({
    StreamName: 'hits',
    Records: [{ Data: Buffer.from(data).toString('base64'), PartitionKey: 'k' }],
  });
  const agent = new http.Agent({ keepAlive: true });
  const plain = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: fake.info.port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': 'Kinesis_20131202.PutRecords',
          },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const sdk = () =>
    client.send(new PutRecordsCommand({ StreamName: 'hits', Records: [{ Data: data, PartitionKey: 'k' }] }));
  const cpuPerCall = async (put: () => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await put();
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) await put();
    const c = process.cpuUsage(c0);
    return Math.round((c.user + c.system) / calls);
  };
  const rounds: { sdkUs: number; plainUs: number }[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const sdkUs = await cpuPerCall(sdk);
    const plainUs = await cpuPerCall(plain);
    rounds.push({ sdkUs, plainUs });
    process.stderr.write(`round ${r + 1}: SDK ${sdkUs} µs, plain http ${plainUs} µs of CPU per call\n`);
  }
  const result = {
    date: new Date().toISOString(),
    loadavg: loadavg(),
    calls,
    recordBytes: data.length,
    rounds,
  };
  const out = join(HERE, 'results', `kinesis-sdk-${stamp(new Date())}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await fake.stop();
}
