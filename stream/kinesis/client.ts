/**
 * The one place a Kinesis client is built (the writer, the reader and the test helpers share it). HTTP/1.1
 * through `NodeHttpHandler`: kinesis-local does not speak the SDK's default for Kinesis (HTTP/2).
 * SDK retries are off: callers own retries and deadlines.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface KinesisClientOptions {
  region: string;
  /** kinesis-local or another compatible endpoint; unset means AWS. */
  endpoint?: string;
  /** Per-request socket timeout (ms). */
  requestTimeoutMs?: number;
}

export function createKinesisClient(options: KinesisClientOptions): KinesisClient {
  const local = options.endpoint !== undefined && options.endpoint !== '';
  return new KinesisClient({
    region: options.region,
    endpoint: local ? options.endpoint : undefined,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 2000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
    }),
    // A local endpoint checks no signature, but the SDK needs some credentials to sign with.
    ...(local && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
}
