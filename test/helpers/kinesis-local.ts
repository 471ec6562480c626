/**
 * Starts kinesis-local (the npm build of kinesis-mock) as a child process for integration tests.
 * It is slow to start and ~400 MB RSS: share one instance per test file. It ignores SIGTERM, so
 * `stop()` sends SIGKILL. Data lives in memory only (lost on stop).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../../stream/kinesis/client.ts';

export const KINESIS_LOCAL_REGION = 'us-east-1';

export interface KinesisLocal {
  endpoint: string;
  port: number;
  /** A client for the test's own calls (HTTP/1.1, dummy credentials). */
  client(): KinesisClient;
  createStream(name: string, shards?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startKinesisLocal(options: { startTimeoutMs?: number } = {}): Promise<KinesisLocal> {
  const pkgDir = dirname(createRequire(import.meta.url).resolve('kinesis-local/package.json'));
  const port = await freePort();
  const tlsPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(pkgDir, 'main.js')], {
    cwd: pkgDir,
    env: {
      ...process.env,
      KINESIS_MOCK_CERT_PATH: join(pkgDir, 'server.json'),
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      CREATE_STREAM_DURATION: '0ms',
      LOG_LEVEL: 'ERROR',
      ROOT_LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KinesisClient[] = [];
  const client = () => {
    const c = createKinesisClient({ region: KINESIS_LOCAL_REGION, endpoint });
    clients.push(c);
    return c;
  };
  const stop = async () => {
    for (const c of clients) c.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  };

  const admin = client();
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kinesis-local exited (${child.exitCode}): ${stderr}`);
    try {
      await admin.send(new ListStreamsCommand({}), { abortSignal: AbortSignal.timeout(1000) });
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`kinesis-local did not answer on ${endpoint}: ${(err as Error).message} ${stderr}`);
      }
      await sleep(100);
    }
  }

  return {
    endpoint,
    port,
    client,
    async createStream(name, shards = 1) {
      await admin.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      const until = Date.now() + 15_000;
      for (;;) {
        const out = await admin.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        if (Date.now() > until) throw new Error(`stream ${name} not ACTIVE after 15 s`);
        await sleep(50);
      }
    },
    stop,
  };
}
