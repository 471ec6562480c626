/** The S3 `ObjectStore` (the lake bucket in AWS; s3rver or MinIO with a custom endpoint). */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectInfo, ObjectStore } from './object-store.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket (no leading or trailing slash), e.g. `lake`. */
  prefix?: string;
  client?: S3Client;
  region?: string;
  /** Custom endpoint (s3rver, MinIO): path-style addressing is used. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function createS3Client(opts: Omit<S3StoreOptions, 'bucket' | 'prefix' | 'client'>): S3Client {
  return new S3Client({
    region: opts.region ?? 'us-east-1',
    endpoint: opts.endpoint,
    forcePathStyle: Boolean(opts.endpoint),
    credentials: opts.credentials,
    // s3rver (and some S3-compatible stores) corrupt streamed uploads with flexible checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

const isMissing = (err: unknown) =>
  err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey';

export function createS3Store(opts: S3StoreOptions): ObjectStore {
  const client = opts.client ?? createS3Client(opts);
  const Bucket = opts.bucket;
  const base = opts.prefix ? `${opts.prefix.replace(/^\/|\/$/g, '')}/` : '';

  async function getBody(key: string) {
    try {
      const r = await client.send(new GetObjectCommand({ Bucket, Key: base + key }));
      return r.Body as Readable & { transformToByteArray(): Promise<Uint8Array> };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  return {
    async put(key, body) {
      if (body instanceof Uint8Array) {
        await client.send(new PutObjectCommand({ Bucket, Key: base + key, Body: body }));
        return;
      }
      const { size } = await stat(body.file);
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: base + key,
          Body: createReadStream(body.file),
          ContentLength: size,
        }),
      );
    },
    async get(key) {
      const b = await getBody(key);
      return b ? b.transformToByteArray() : null;
    },
    async download(key, file) {
      const b = await getBody(key);
      if (!b) return false;
      await pipeline(b, createWriteStream(file));
      return true;
    },
    async list(prefix) {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const r = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: base + prefix, ContinuationToken: token }),
        );
        for (const o of r.Contents ?? []) {
          if (o.Key) out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0 });
        }
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
      return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const chunk = keys.slice(i, i + 1000);
        if (chunk.length === 0) continue;
        await client.send(
          new DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: chunk.map((k) => ({ Key: base + k })), Quiet: true },
          }),
        );
      }
    },
    describe: (key) => `s3://${Bucket}/${base}${key}`,
  };
}
