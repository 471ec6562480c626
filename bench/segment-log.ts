/**
 * Durable write throughput of the local stream: the segment log alone (group commit under
 * concurrency) and the batcher over it (what the collector's routes await), on this machine's disk.
 *
 * `npx tsx bench/segment-log.ts [--seconds 5] [--dir DIR] [--out FILE] [--grow]` prints JSON (also to
 * FILE). `--grow`: segments grow with each write instead of being preallocated (the log before
 * preallocation, for a paired comparison).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBatcher } from '../collector/batcher.ts';
import { loadConfig } from '../lib/config.ts';
import { EnvelopeKind } from '../stream/envelope.ts';
import { openSegmentLog } from '../stream/segment-log/index.ts';
import { createSegmentLogWriter } from '../stream/segment-log/stream-writer.ts';
import { makeRow } from '../test/durability/rows.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    dir: { type: 'string' },
    out: { type: 'string' },
    grow: { type: 'boolean', default: false },
  },
});
const logOptions = { preallocate: !values.grow };
const seconds = Number(values.seconds);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function rawLog(base: string, concurrency: number, payloadBytes: number) {
  const dir = await mkdtemp(join(base, 'raw-'));
  const log = await openSegmentLog(dir, logOptions);
  const payload = Buffer.alloc(payloadBytes, 1);
  const end = performance.now() + seconds * 1000;
  let appends = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await log.append([payload]);
        appends++;
      }
    }),
  );
  const stats = log.stats();
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return {
    concurrency,
    payloadBytes,
    appendsPerSec: Math.round(appends / seconds),
    fsyncsPerSec: Math.round(stats.fsyncs / seconds),
    appendsPerFsync: +(stats.appends / stats.fsyncs).toFixed(1),
  };
}

async function batcher(base: string, workers: number) {
  const dir = await mkdtemp(join(base, 'batcher-'));
  const stream = await createSegmentLogWriter(dir, logOptions);
  // The collector's defaults (lib/config.ts).
  const d = loadConfig({}, {});
  const sink = createBatcher({
    stream,
    flushHits: d.flushHits,
    flushBytes: d.flushBytes,
    lingerMs: d.lingerMs,
    maxPutsInFlight: d.putsInFlight,
    maxInflightBytes: d.maxInflightBytes,
  });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await sink.submit(EnvelopeKind.LAKE_ROWS, [makeRow(`b-${n++}`)]);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const stats = stream.log.stats();
  await sink.close();
  await rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    workers,
    durableHitsPerSec: Math.round(latencies.length / seconds),
    submitLatencyMs: { p50: +pct(latencies, 0.5).toFixed(2), p99: +pct(latencies, 0.99).toFixed(2) },
    fsyncsPerSec: Math.round(stats.fsyncs / seconds),
    recordsPerSec: Math.round(stats.records / seconds),
  };
}

const base = values.dir ?? os.tmpdir();
const root = await mkdtemp(join(base, 'alt-bench-seglog-'));
try {
  const result = {
    bench: 'segment-log',
    at: new Date().toISOString(),
    host: { cpus: os.cpus().length, node: process.version, dir: root },
    seconds,
    preallocate: logOptions.preallocate,
    raw: [await rawLog(root, 1, 20_000), await rawLog(root, 64, 20_000)],
    batcher: [await batcher(root, 100), await batcher(root, 1000)],
  };
  const json = JSON.stringify(result, null, 2);
  process.stdout.write(`${json}\n`);
  if (values.out) await writeFile(values.out, `${json}\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}
