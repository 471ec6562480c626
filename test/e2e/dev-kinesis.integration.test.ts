/**
 * `alt dev --kinesis-endpoint`: the same local stack with Kinesis (kinesis-local) as the stream —
 * the collector writes PutRecords (spooling to disk if it must), the transformer reads the shards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KinesisLocal, startKinesisLocal } from '../helpers/kinesis-local.ts';
import { altCli, type Dev } from './alt-cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'alt-e2e-kinesis-'));
const { alt, altJson, startDev } = altCli(dataDir);
let kinesis: KinesisLocal;
let dev: Dev;

beforeAll(async () => {
  kinesis = await startKinesisLocal();
  await kinesis.createStream('alt-e2e', 2);
  dev = await startDev(['--kinesis-endpoint', kinesis.endpoint, '--kinesis-stream', 'alt-e2e']);
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  await kinesis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('alt dev over Kinesis', () => {
  it('carries batch hits through Kinesis into the lake and the rollups', async () => {
    const [demo] = await altJson<{ app_id: string }[]>(['apps', 'list', '--json']);
    const app = await altJson<{ app_id: string; write_key: string }>([
      'apps',
      'create',
      '--name',
      'k',
      '--json',
    ]);
    const hits = Array.from({ length: 25 }, (_, i) => ({
      app_id: app.app_id,
      event_type: 'request',
      url: `https://api.example/items/${i}`,
      status_code: i % 5 === 0 ? 500 : 200,
    }));
    const res = await fetch(`${dev.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${app.write_key}` },
      body: JSON.stringify({ hits }),
    });
    expect([res.status, await res.json()]).toEqual([202, { accepted: 25 }]);
    expect(demo.app_id).not.toBe(app.app_id);

    const drained = await altJson<{ lakeRows: number }>(['transform', '--once', '--json']);
    expect(drained.lakeRows).toBe(25);
    const rows = await altJson<{ status_code: number; n: number }[]>([
      'query',
      `SELECT status_code, count(*)::INTEGER AS n FROM hits WHERE app_id = '${app.app_id}' GROUP BY 1 ORDER BY 1`,
      '--format',
      'json',
    ]);
    expect(rows).toEqual([
      { status_code: 200, n: 20 },
      { status_code: 500, n: 5 },
    ]);
    const validate = await alt(['validate']);
    expect(validate.code, validate.stdout).toBe(0);
  }, 120_000);
});
