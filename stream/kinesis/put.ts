/**
 * PutRecords without the SDK's per-call machinery: one keep-alive HTTP(S) request with the JSON
 * body the Kinesis API takes, signed by `@smithy/signature-v4` with the SDK client's own
 * credentials provider (so IMDS / environment / profile credentials and their refresh stay the
 * SDK's). Measured by `bench/kinesis-sdk.ts`: the SDK client spends 577–1,373 µs of CPU per call
 * (middleware list rebuilt per call, endpoint rules, a JavaScript base64 writer, user-agent
 * escaping), a plain request 75–222 µs; the collector makes hundreds of these calls a second.
 *
 * Answers have the shape of the SDK's `PutRecordsOutput` so the writer's retry logic is shared; an
 * API error is thrown as an `Error` whose `name` is the API's error type, as the SDK throws it.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { KinesisClient, PutRecordsRequestEntry, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { SignatureV4 } from '@smithy/signature-v4';

export type PutRecordsFn = (
  entries: PutRecordsRequestEntry[],
  signal: AbortSignal,
) => Promise<{ Records?: PutRecordsResultEntry[] }>;

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape SignatureV4 asks for. */
class Sha256 {
  private h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    throw new Error('not resettable');
  }
}

function toBytes(d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof d === 'string') return d;
  if (d instanceof ArrayBuffer) return new Uint8Array(d);
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export interface LeanPutOptions {
  /** Its `config.credentials` signs every request. */
  client: KinesisClient;
  region: string;
  streamName: string;
  /** kinesis-local or another compatible endpoint; unset: `https://kinesis.<region>.amazonaws.com`. */
  endpoint?: string;
}

export function createLeanPutRecords(o: LeanPutOptions): PutRecordsFn {
  const url = new URL(o.endpoint || `https://kinesis.${o.region}.amazonaws.com`);
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const agent = secure
    ? new https.Agent({ keepAlive: true, maxSockets: 50 })
    : new http.Agent({ keepAlive: true, maxSockets: 50 });
  const signer = new SignatureV4({
    credentials: o.client.config.credentials,
    region: o.region,
    service: 'kinesis',
    sha256: Sha256,
  });
  const path = url.pathname || '/';

  return async (entries, signal) => {
    const body = JSON.stringify({
      StreamName: o.streamName,
      Records: entries.map((e) => ({
        Data: Buffer.from(e.Data as Uint8Array).toString('base64'),
        PartitionKey: e.PartitionKey,
        ...(e.ExplicitHashKey ? { ExplicitHashKey: e.ExplicitHashKey } : {}),
      })),
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port,
      path,
      query: {},
      headers: {
        host: url.port ? `${url.hostname}:${url.port}` : url.hostname,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.PutRecords',
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = (secure ? https : http).request(
        { host: url.hostname, port, method: 'POST', path, agent, headers: signed.headers, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    let parsed: { Records?: PutRecordsResultEntry[]; __type?: string; message?: string; Message?: string };
    try {
      parsed = JSON.parse(text || '{}');
    } catch {
      throw Object.assign(new Error(`PutRecords answered ${status} with a body that is not JSON`), {
        name: 'InvalidResponse',
      });
    }
    if (status !== 200) {
      // `__type` is `ResourceNotFoundException` or `com.amazonaws.kinesis.v20131202#ResourceNotFoundException`.
      const name = (parsed.__type ?? `Http${status}`).split('#').pop()!;
      throw Object.assign(new Error(parsed.message ?? parsed.Message ?? `HTTP ${status}`), { name });
    }
    return parsed;
  };
}
