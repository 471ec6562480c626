/** A fresh Kinesis stream on the shared kinesis-local, reached by the collector through a toggle proxy. */
import { randomUUID } from 'node:crypto';
import { startToggleProxy, type ToggleProxy } from '../../test/durability/toggle-proxy.ts';
import type { KinesisLocal } from '../../test/helpers/kinesis-local.ts';
import type { DrillContext } from './drill.ts';

export interface KinesisSetup {
  kl: KinesisLocal;
  proxy: ToggleProxy;
  streamName: string;
  /** Collector flags for this stream through the proxy. */
  flags: Record<string, string>;
}

export async function kinesisBehindProxy(ctx: DrillContext): Promise<KinesisSetup> {
  const kl = await ctx.kinesis();
  const streamName = `drill-${randomUUID().slice(0, 8)}`;
  await kl.createStream(streamName, 1);
  const proxy = await startToggleProxy(kl.port);
  return {
    kl,
    proxy,
    streamName,
    flags: {
      stream: 'kinesis',
      'kinesis-endpoint': `http://127.0.0.1:${proxy.port}`,
      'kinesis-stream': streamName,
      'aws-region': 'us-east-1',
    },
  };
}

/** GET a collector path; the status, or 0 when there was no answer. */
export async function statusOf(port: number, path: string): Promise<number> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}
