/**
 * The full collector as a process under test: `buildServer` with the real batcher, the real
 * registry (PGlite in the data dir, one app created through it) and the real daily-salt store, over
 * either the segment-log stream (fsynced, in the data dir) or Kinesis + disk spool pointed at an
 * endpoint (the fake one in `fake-kinesis.ts` for load) — built by `openStreamWriter`, as in
 * `collector/main.ts`. `--sink-delay-ms` delays every put (a slow
 * sink, for the overload run).
 *
 * `node --import tsx bench/servers/collector.ts --data-dir DIR --stream segment-log|kinesis|none
 *   [--kinesis-endpoint URL] [--max-inflight-bytes N] [--sink-delay-ms N]`
 * (`none`, a diagnostic: a sink that acknowledges at once and keeps nothing, so the durable part's
 * cost can be told from the rest of a request's.)
 * prints `BENCH_READY {"port","appId","stream",…}`; on SIGTERM it closes the server, then drains
 * the batcher, then prints `BENCH_STATS {…}` with what reached the stream.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBatcher } from '../../collector/batcher.ts';
import { createMetrics } from '../../collector/metrics.ts';
import { createCachedRegistry } from '../../collector/registry/cached-registry.ts';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { createSqlSaltStore } from '../../collector/salts.ts';
import { buildServer } from '../../collector/server.ts';
import type { HitSink } from '../../collector/sink.ts';
import { tuneV8ForCollector } from '../../collector/v8-heap.ts';
import { loadConfig } from '../../lib/config.ts';
import { createPglite, migrate } from '../../lib/db/index.ts';
import type { StreamWriter } from '../../stream/contract.ts';
import { openStreamWriter } from '../../stream/from-config.ts';
import { installRawHotPath } from '../experiments/raw-hot-path.ts';
import { announce } from './announce.ts';

/** The origin the bench app allows and the load generators send. */
export const BENCH_ORIGIN = 'https://shop.example.com';

/** Counts what reached the stream and optionally delays each put (a slow stream). */
export function instrumentStream(inner: StreamWriter, delayMs: number) {
  const stats = { puts: 0, records: 0, bytes: 0 };
  const stream: StreamWriter = {
    limits: inner.limits,
    async put(records) {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      await inner.put(records);
      stats.puts++;
      stats.records += records.length;
      for (const r of records) stats.bytes += r.data.length;
    },
    isHealthy: () => inner.isHealthy(),
    close: () => inner.close(),
  };
  return { stream, stats };
}

// As `startCollector` does: the bench measures the collector as it runs in production.
tuneV8ForCollector();

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    stream: { type: 'string', default: 'segment-log' },
    'kinesis-endpoint': { type: 'string' },
    'max-inflight-bytes': { type: 'string' },
    'sink-delay-ms': { type: 'string', default: '0' },
    /** A measurement, not the product: see bench/experiments/raw-hot-path.ts. */
    'raw-hot-path': { type: 'boolean', default: false },
  },
});
if (!values['data-dir']) throw new Error('--data-dir is required');
const dataDir = values['data-dir'];

// Production defaults, except the per-address limit: every bench request comes from 127.0.0.1.
if (values.stream !== 'segment-log' && values.stream !== 'kinesis' && values.stream !== 'none')
  throw new Error('--stream: segment-log | kinesis | none');
if (values.stream === 'kinesis' && !values['kinesis-endpoint']) {
  throw new Error('--kinesis-endpoint is required with --stream kinesis');
}
const config = loadConfig({
  'data-dir': dataDir,
  stream: values.stream === 'kinesis' ? 'kinesis' : 'local',
  ...(values['kinesis-endpoint'] ? { 'kinesis-endpoint': values['kinesis-endpoint'] } : {}),
  'rate-limit-ip': '1000000',
  'rate-limit-app': '100000000',
  'log-level': 'warn',
});
// Below the setting's 1 MiB floor on purpose: the overload run wants the bound hit quickly.
const maxInflightBytes = values['max-inflight-bytes']
  ? Number(values['max-inflight-bytes'])
  : config.maxInflightBytes;

await mkdir(dataDir, { recursive: true });
const db = await createPglite(join(dataDir, 'pg'));
await migrate(db);
const registry = createCachedRegistry(createSqlRegistry(db), { ttlMs: config.registryTtlSec * 1000 });
const { app: benchApp } = await registry.create({
  name: 'bench',
  origins: [BENCH_ORIGIN],
  botPolicy: 'drop',
});

// The stream exactly as `collector/main.ts` builds it: the segment log, or Kinesis + disk spool.
const base = values.stream === 'none' ? undefined : await openStreamWriter(config);
const instrumented = base && instrumentStream(base, Number(values['sink-delay-ms']));
const stats = instrumented?.stats ?? { puts: 0, records: 0, bytes: 0 };
const metrics = createMetrics();
const acksAtOnce: HitSink = {
  submit: () => Promise.resolve(),
  isReady: async () => true,
  hasRoom: () => true,
  close: async () => {},
};
const sink = instrumented
  ? createBatcher({
      stream: instrumented.stream,
      flushHits: config.flushHits,
      flushBytes: config.flushBytes,
      lingerMs: config.lingerMs,
      maxPutsInFlight: config.putsInFlight,
      maxInflightBytes,
      observer: metrics.observer,
    })
  : acksAtOnce;
const salts = createSqlSaltStore(db);
const server = buildServer({ sink, registry, salts, config, metrics });
if (values['raw-hot-path']) {
  installRawHotPath(server.server, {
    sink,
    registry,
    salts,
    metrics,
    perIp: config.rateLimitPerIp,
    perApp: config.rateLimitPerApp,
  });
}
// Start-up (PGlite, module loading) leaves garbage; collect it so RSS samples start from the
// steady state (the harness runs this process with --expose-gc).
(globalThis as { gc?: () => void }).gc?.();
// Room for the 10,000-connection run's burst of connects (somaxconn is 4,096 here).
const address = await server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
announce({
  port: Number(new URL(address).port),
  appId: benchApp.appId,
  stream: values.stream,
  maxInflightBytes,
  sinkDelayMs: Number(values['sink-delay-ms']),
});

let closing = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await sink.close();
    await db.close();
    process.stdout.write(`BENCH_STATS ${JSON.stringify(stats)}\n`);
    process.exit(0);
  });
}
