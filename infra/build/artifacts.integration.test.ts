/**
 * The artifacts that ship are the ones tested: `buildArtifacts` (what `npm run build:aws` runs)
 * builds every part for x86_64 — this machine's architecture; the arm64 build differs only in the
 * DuckDB binary, which elf.test.ts checks — into a temporary folder, DuckDB installed from the
 * registry as the build does. Each Lambda bundle is then imported from its built file by a plain
 * Node process whose working directory is that folder (nothing resolves from this checkout), and
 * invoked as the Lambda runtime would; the collector bundle is started as a process and sent a hit
 * over HTTP. A missing native module, a wrong entry or a missing file fails here.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../beacon/build.ts';
import { createSqlRegistry } from '../../collector/registry/sql-registry.ts';
import { migrate } from '../../lib/db/migrate.ts';
import { createPglite } from '../../lib/db/pglite.ts';
import type { Sql } from '../../lib/db/sql.ts';
import { auroraMigrations } from '../../schemas/ddl/aurora.ts';
import { decodeEnvelope } from '../../stream/envelope.ts';
import { createSegmentLogReader } from '../../stream/segment-log/index.ts';
import { createTestSchema, databaseUrl } from '../../test/helpers/postgres.ts';
import { createS3Store } from '../../transformer/lake/s3-store.ts';
import { startS3rver, TEST_CREDENTIALS } from '../../transformer/testing/s3rver.ts';
import { ARTIFACT_PARTS } from '../config.ts';
import { buildArtifacts, type Part } from './main.ts';

const EVENT = path.resolve(import.meta.dirname, '../../transformer/drivers/fixtures/kinesis-event.json');

let tmp: string;
let dirs: Record<Part, string>;
let s3: Awaited<ReturnType<typeof startS3rver>>;
const schemas: { db: Sql; schema: string; drop(): Promise<void> }[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'alt-artifacts-'));
  dirs = await buildArtifacts({
    out: path.join(tmp, 'out'),
    arch: 'x86_64',
    beaconDir: path.join(tmp, 'beacon'),
  });
  s3 = await startS3rver('lake');
  // Invokes a Lambda bundle the way the runtime does: import the file, call `handler(event, context)`.
  writeFileSync(
    path.join(tmp, 'invoke.mjs'),
    `const [file, event] = process.argv.slice(2);
const mod = await import(file);
if (typeof mod.handler !== 'function') throw new Error(file + ' exports no handler');
const context = { getRemainingTimeInMillis: () => 300000 };
const result = await mod.handler(JSON.parse(event), context);
console.log('RESULT ' + JSON.stringify(result));
process.exit(0);
`,
  );
}, 120_000);

afterAll(async () => {
  for (const s of schemas) await s.drop();
  await s3?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh PostgreSQL schema and a DATABASE_URL that puts a process into it. */
async function schemaUrl() {
  const t = await createTestSchema();
  schemas.push(t);
  const url = new URL(databaseUrl!);
  url.searchParams.set('options', `-c search_path=${t.schema}`);
  return { db: t.db, url: url.toString() };
}

/** A clean environment: no variable of this test process leaks into the artifact's. */
const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' });

async function invoke(part: Part, event: unknown, env: Record<string, string>): Promise<unknown> {
  const child = spawn(
    process.execPath,
    [path.join(tmp, 'invoke.mjs'), path.join(dirs[part], 'index.mjs'), JSON.stringify(event)],
    { cwd: dirs[part], env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  const [code] = await once(child, 'exit');
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`${part} bundle exited ${code}:\n${err}\n${out}`);
  return JSON.parse(line.slice('RESULT '.length));
}

const lakeEnv = () => ({
  ALT_LAKE_BUCKET: 'lake',
  ALT_S3_ENDPOINT: s3.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
});

describe('built artifacts', () => {
  it('has every folder the stack uploads, each with its entry file, and the beacon that was built', async () => {
    for (const part of ARTIFACT_PARTS) expect(existsSync(dirs[part as Part]), part).toBe(true);
    expect(readdirSync(dirs.transformer)).toEqual([
      'index.mjs',
      'index.mjs.map',
      'node_modules',
      'package.json',
    ]);
    expect(readdirSync(dirs.compact)).toEqual(['index.mjs', 'index.mjs.map', 'node_modules', 'package.json']);
    expect(readdirSync(dirs.migrate)).toEqual(['index.mjs', 'index.mjs.map', 'package.json']);
    expect(readdirSync(dirs['certificate-renewer'])).toEqual(['index.mjs', 'index.mjs.map', 'package.json']);
    expect(readdirSync(dirs.collector).sort()).toEqual([
      'initdb.wasm',
      'iptoasn-country.mmdb',
      'main.mjs',
      'main.mjs.map',
      'package.json',
      'pglite.data',
      'pglite.wasm',
    ]);
    const manifest = await readManifest(path.join(tmp, 'beacon'));
    expect(readdirSync(dirs.beacon).sort()).toEqual([manifest!.file, manifest!.vitals.file, 'b.js'].sort());
    expect(readFileSync(path.join(dirs.beacon, 'b.js'))).toEqual(
      readFileSync(path.join(tmp, 'beacon', manifest!.file)),
    );
  });

  it('the transformer bundle processes the recorded Kinesis event into S3 and PostgreSQL', async () => {
    const { db, url } = await schemaUrl();
    const event = JSON.parse(readFileSync(EVENT, 'utf8'));
    const result = await invoke('transformer', event, { ...lakeEnv(), DATABASE_URL: url });
    expect(result).toEqual({ batchItemFailures: [] });

    const store = createS3Store({ bucket: 'lake', endpoint: s3.endpoint, credentials: TEST_CREDENTIALS });
    const first = event.Records[0].kinesis.sequenceNumber;
    const last = event.Records.at(-1).kinesis.sequenceNumber;
    const name = `shardId-000000000000-${first}-${last}`;
    expect((await store.list('')).map((o) => o.key)).toEqual([
      `bad/year=2026/month=11/day=25/hour=10/${name}.ndjson`,
      `hits/year=2026/month=11/day=25/hour=09/${name}.parquet`,
      `hits/year=2026/month=11/day=25/hour=10/${name}.parquet`,
      `raw/year=2026/month=11/day=25/hour=10/${name}.ndjson.gz`,
    ]);
    const parquet = await store.get(`hits/year=2026/month=11/day=25/hour=10/${name}.parquet`);
    expect(Buffer.from(parquet!.subarray(0, 4)).toString()).toBe('PAR1');
    const r = await db.query<{ hour: Date; hits: number; dropped: number }>(
      'SELECT hour, sum(hits)::int AS hits, sum(dropped_bots)::int AS dropped FROM hits_hourly GROUP BY hour ORDER BY hour',
    );
    expect(r.rows.map((x) => [x.hour.toISOString(), x.hits, x.dropped])).toEqual([
      ['2026-11-25T09:00:00.000Z', 1, 0],
      ['2026-11-25T10:00:00.000Z', 2, 1],
    ]);

    // The compaction bundle, on what the transformer bundle wrote.
    const compacted = await invoke(
      'compact',
      { hours: ['2026-11-25T10'] },
      { ...lakeEnv(), DATABASE_URL: url },
    );
    expect(compacted).toEqual({
      compacted: [{ partition: 'year=2026/month=11/day=25/hour=10', inputs: 1, rowsIn: 2, rowsOut: 2 }],
      deferred: [],
    });
    expect((await store.list('hits/year=2026/month=11/day=25/hour=10/')).map((o) => o.key)).toEqual([
      'hits/year=2026/month=11/day=25/hour=10/compacted.parquet',
    ]);
  });

  it('the certificate renewer bundle loads on its own and names the configuration it lacks', async () => {
    // Its behaviour against an ACME server is lib/certificate/renewer.integration.test.ts's; here,
    // that the bundle resolves everything (acme-client, the AWS SDK clients) from its own folder.
    await expect(invoke('certificate-renewer', {}, {})).rejects.toThrow(
      /ALT_CERT_DOMAIN, ALT_CERT_HOSTED_ZONE_ID, .*, ALT_CERT_STATE_SECRET_ID are not set/,
    );
  });

  it('the migration bundle applies every migration, then none', async () => {
    const { db, url } = await schemaUrl();
    const ids = auroraMigrations().map((m) => m.id);
    expect(await invoke('migrate', {}, { DATABASE_URL: url })).toEqual({ applied: ids, attempts: 1 });
    const rows = await db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.rows.map((x) => x.id)).toEqual([...ids].sort());
    expect(await invoke('migrate', {}, { DATABASE_URL: url })).toEqual({ applied: [], attempts: 1 });
  });

  it('the collector bundle, on PostgreSQL (as on the hosts), answers a hit with 202 and has it in its stream after SIGTERM', async () => {
    const { db, url } = await schemaUrl();
    await migrate(db);
    const { app, writeKey } = await createSqlRegistry(db).create({ name: 'artifact test' });
    await sendHitToCollector(path.join(tmp, 'collector-pg'), { DATABASE_URL: url }, app.appId, writeKey);
  });

  it('the collector bundle, with only a data directory (PGlite), answers a hit with 202', async () => {
    const dataDir = path.join(tmp, 'collector-pglite');
    const db = await createPglite(path.join(dataDir, 'pg'));
    await migrate(db);
    const { app, writeKey } = await createSqlRegistry(db).create({ name: 'artifact test' });
    await db.close();
    await sendHitToCollector(dataDir, {}, app.appId, writeKey);
  });
});

/** Starts the built collector, sends one hit, stops it with SIGTERM and reads the hit back from its stream. */
async function sendHitToCollector(
  dataDir: string,
  env: Record<string, string>,
  appId: string,
  writeKey: string,
) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(dirs.collector, 'main.mjs'),
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--stream',
      'local',
    ],
    { cwd: dirs.collector, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  try {
    const listening = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /"msg":"collector listening"/.test(out) && /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`collector exited ${code}:\n${err}\n${out}`)));
    });
    const res = await fetch(`${listening}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writeKey}` },
      body: JSON.stringify({
        hits: [
          {
            app_id: appId,
            event_type: 'request',
            url: 'https://api.example/built',
            status_code: 201,
            // Looked up in the country database the build copies beside main.mjs.
            client_ip: '8.8.8.8',
          },
        ],
      }),
    });
    expect([res.status, await res.json()]).toEqual([202, { accepted: 1 }]);
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  if (child.exitCode === null) await once(child, 'exit');
  expect(child.exitCode, err).toBe(0);
  const reader = await createSegmentLogReader(path.join(dataDir, 'stream'));
  try {
    const batch = await reader.next(100);
    const lines = batch!.records.flatMap((r) => {
      const d = decodeEnvelope(r.data);
      return d.ok ? d.lines.map((l) => JSON.parse(l) as { url: string; country: string | null }) : [];
    });
    expect(lines.map((l) => [l.url, l.country])).toEqual([['https://api.example/built', 'US']]);
  } finally {
    await reader.close();
  }
}
