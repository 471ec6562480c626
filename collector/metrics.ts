/**
 * Every collector metric, emitted from this one module on its own prom-client Registry (so tests and
 * several servers in one process do not collide); the names come from `metric-names.ts`. `docs/collector.md` lists each name and its
 * labels; a test keeps the two equal. Also the `SinkObserver` the batcher reports flushes to.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { EnvelopeKind } from '../stream/envelope.ts';
import { createLatencyWindow } from './latency-window.ts';
import { COLLECTOR_METRIC_PREFIX, COLLECTOR_METRICS } from './metric-names.ts';
import type { SinkObserver } from './sink.ts';

const kindName = (k: number) => (k === EnvelopeKind.DROPPED_BOTS ? 'dropped_bots' : 'lake_rows');

function cached<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let c = children.get(key);
    if (c === undefined) {
      c = make(key);
      children.set(key, c);
    }
    return c;
  };
}

export function createMetrics(opts: { defaultMetrics?: boolean; now?: () => number } = {}) {
  const registry = new Registry();
  const registers = [registry];
  let inflightBytesNow = 0;
  const latency = createLatencyWindow({ now: opts.now });
  const m = {
    registry,
    requests: new Counter({
      name: COLLECTOR_METRICS.requests,
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['route', 'status'] as const,
      registers,
    }),
    // Label-free, so the CloudWatch agent ships each as one metric an alarm can watch.
    responses4xx: new Counter({
      name: COLLECTOR_METRICS.responses4xx,
      help: 'HTTP requests answered with a 4xx status',
      registers,
    }),
    responses5xx: new Counter({
      name: COLLECTOR_METRICS.responses5xx,
      help: 'HTTP requests answered with a 5xx status',
      registers,
    }),
    requestLatencyP99: new Gauge({
      name: COLLECTOR_METRICS.requestLatencyP99,
      help: '99th percentile of the time from a request arriving to its answer, over the last minute (at most 5 % high; 0 without requests)',
      registers,
      // Computed when scraped (collector/latency-window.ts): nothing per request but a bucket increment.
      collect() {
        this.set(latency.quantileSeconds(0.99));
      },
    }),
    hitsAccepted: new Counter({
      name: COLLECTOR_METRICS.hitsAccepted,
      help: 'hits acknowledged (202/200) and handed to the stream, by source',
      labelNames: ['source'] as const,
      registers,
    }),
    hitsRejected: new Counter({
      name: COLLECTOR_METRICS.hitsRejected,
      help: 'hits refused or not stored, by reason (error code, or dnt for honoured opt-outs)',
      labelNames: ['reason'] as const,
      registers,
    }),
    botHits: new Counter({
      name: COLLECTOR_METRICS.botHits,
      help: 'hits from bots, by the app policy applied (drop: counted only; keep: stored with is_bot)',
      labelNames: ['policy'] as const,
      registers,
    }),
    requestHits: new Histogram({
      name: COLLECTOR_METRICS.requestHits,
      help: 'hits per accepted request, by route',
      labelNames: ['route'] as const,
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    flushHits: new Histogram({
      name: COLLECTOR_METRICS.flushHits,
      help: 'hits per stream flush, by envelope kind',
      labelNames: ['kind'] as const,
      buckets: [1, 5, 10, 25, 50, 100, 250, 500],
      registers,
    }),
    flushBytes: new Counter({
      name: COLLECTOR_METRICS.flushBytes,
      help: 'envelope bytes written to the stream, by envelope kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    flushLatency: new Histogram({
      name: COLLECTOR_METRICS.flushLatency,
      help: 'time from a flush starting to the stream acknowledging it, by envelope kind',
      labelNames: ['kind'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    spooledRecords: new Counter({
      name: COLLECTOR_METRICS.spooledRecords,
      help: 'records written to the disk spool because the stream was slow or down',
      registers,
    }),
    spoolBytes: new Gauge({
      name: COLLECTOR_METRICS.spoolBytes,
      help: 'bytes waiting in the disk spool',
      registers,
    }),
    inflightBytes: new Gauge({
      name: COLLECTOR_METRICS.inflightBytes,
      help: 'bytes of hits held in memory, not yet durable',
      registers,
      // Read when scraped: the batcher reports the figure on every submit and settle, and a
      // gauge's set() hashes its labels each time (~1.5 % of a request's CPU in a profile).
      collect() {
        this.set(inflightBytesNow);
      },
    }),
    sinkErrors: new Counter({
      name: COLLECTOR_METRICS.sinkErrors,
      help: 'stream write failures, by sink and reason',
      labelNames: ['sink', 'reason'] as const,
      registers,
    }),
  };
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: COLLECTOR_METRIC_PREFIX });

  // prom-client hashes the label object on every inc/observe; the per-request calls keep the
  // labelled child instead (label values here come from small fixed sets: routes, codes, sources).
  const requestChild = cached((key: string) => {
    const [route, status] = key.split(' ');
    return m.requests.labels(route, status);
  });
  const acceptedChild = cached((source: string) => m.hitsAccepted.labels(source));
  const requestHitsChild = cached((route: string) => m.requestHits.labels(route));
  const hot = {
    /** One answered request (`onResponse`). */
    countRequest(route: string, status: number): void {
      requestChild(`${route} ${status}`).inc();
      if (status >= 500) m.responses5xx.inc();
      else if (status >= 400) m.responses4xx.inc();
    },
    /** How long the answered request took, from its arrival (`reply.elapsedTime`, ms). */
    observeLatency(ms: number): void {
      latency.observe(ms);
    },
    /** An accepted request of `n` hits. */
    countAccepted(source: string, route: string, n: number): void {
      acceptedChild(source).inc(n);
      requestHitsChild(route).observe(n);
    },
  };

  /** What the batcher calls; it does not know prom-client. */
  const observer: SinkObserver = {
    flushed(info) {
      const kind = kindName(info.kind);
      m.flushHits.observe({ kind }, info.hits);
      m.flushBytes.inc({ kind }, info.bytes);
      m.flushLatency.observe({ kind }, info.latencyMs / 1000);
    },
    sinkError: (info) => m.sinkErrors.inc({ sink: info.sink, reason: info.reason }),
    spooled: (info) => m.spooledRecords.inc(info.records),
    spoolBytes: (bytes) => m.spoolBytes.set(bytes),
    inflightBytes: (bytes) => {
      inflightBytesNow = bytes;
    },
  };
  return { ...m, ...hot, observer };
}

export type Metrics = ReturnType<typeof createMetrics>;
