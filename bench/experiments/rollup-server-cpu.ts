/**
 * PostgreSQL's own CPU per transformer batch of rollup upserts, for sizing the Aurora writer
 * (`auroraAcuPer1000HitsPerSecond` in lib/cost/assumptions.ts). The client's wall time (the
 * `rollups` row of `npm run bench`) mixes the client, the socket and the server; this reads the
 * server backend's own user + system CPU from /proc while the same `applyBatch` the transformer
 * runs upserts batches shaped like the `scale` preset's: K distinct keys a batch drawn from an
 * hour's key space of many apps, the same keys updated again batch after batch within the hour.
 *
 *   npx tsx bench/experiments/rollup-server-cpu.ts [--keys 2000,5000,10000] [--batches 40]
 *
 * Prints and saves JSON (bench/results/rollup-server-cpu-<date>.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { migrate } from '../../lib/db/migrate.ts';
import { createPostgres } from '../../lib/db/postgres.ts';
import { emptyDelta, type RollupDelta } from '../../transformer/core/rollup.ts';
import { createSqlRollupStore } from '../../transformer/rollups/sql-store.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '2000,5000,10000' },
    batches: { type: 'string', default: '40' },
    apps: { type: 'string', default: '2000' },
  },
});
const KEYS = values.keys.split(',').map(Number);
const BATCHES = Number(values.batches);
const APPS = Number(values.apps);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TICKS = 100; // USER_HZ on Linux

/** utime + stime of a process, seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** A deterministic pseudo-random stream, so runs are comparable. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const EVENT_TYPES = ['pageview', 'event', 'error', 'web_vitals'];
const STATUS_CODES = [200, 200, 200, 301, 404, 500, null];

/** The hour's key space: per app a handful of dimension combinations (keysPerApp). */
function keySpace(apps: number, keysPerApp: number, hour: string, rand: () => number): RollupDelta[] {
  const out: RollupDelta[] = [];
  for (let a = 0; a < apps; a++) {
    const appId = `alt_${a.toString(36).padStart(22, '0')}`;
    for (let k = 0; k < keysPerApp; k++) {
      out.push(
        emptyDelta(appId, hour, {
          client_sub_id: k % 3 === 0 ? `sub-${k % 5}` : null,
          module_id: `mod-${k}`, // unique per app: the key space has no duplicates
          event_type: EVENT_TYPES[k % EVENT_TYPES.length] as string,
          source: k % 2 === 0 ? 'beacon' : 'server',
          status_code: STATUS_CODES[Math.floor(rand() * STATUS_CODES.length)] ?? null,
          status: k % 6 === 0 ? 'ok' : null,
        } as RollupDelta['dims']),
      );
    }
  }
  return out;
}

const schema = `bench_rollcpu_${Date.now()}`;
const admin = createPostgres({ connectionString: url, max: 1 });
await admin.query(`CREATE SCHEMA ${schema}`);
const results: Record<string, unknown>[] = [];
try {
  const db = createPostgres({ connectionString: url, schema, max: 1 });
  await migrate(db);
  const store = createSqlRollupStore(db);
  const pid = Number((await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
  let seq = 0;
  for (const k of KEYS) {
    const rand = rng(k);
    const hour = new Date(Date.UTC(2026, 11, 1, KEYS.indexOf(k))).toISOString();
    const keysPerApp = Math.max(1, Math.ceil((k * 3) / APPS)); // a batch touches a third of the hour's keys
    const space = keySpace(APPS, keysPerApp, hour, rand);
    // Warm-up: the hour's rows exist, as they do after the hour's first batches.
    const measure = async (n: number) => {
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      for (let b = 0; b < n; b++) {
        const picked = new Map<number, RollupDelta>();
        while (picked.size < k) picked.set(Math.floor(rand() * space.length), space[0] as RollupDelta);
        const deltas = [...picked.keys()].map((i) => {
          const d = { ...(space[i] as RollupDelta), rt_hist: new Array(19).fill(0) } as RollupDelta;
          d.hits = 1 + Math.floor(rand() * 20);
          d.rt_count = d.hits;
          d.rt_sum = d.hits * 120;
          d.rt_hist[3] = d.hits;
          return d;
        });
        seq += 1;
        await store.applyBatch({
          shardId: 'shard-0',
          firstSeq: String(seq * 1000),
          lastSeq: String(seq * 1000 + 999),
          rows: k * 6,
          deltas,
        });
      }
      return { cpu: cpuSeconds(pid) - cpu0, wall: (performance.now() - t0) / 1000 };
    };
    await measure(Math.min(10, BATCHES));
    const m = await measure(BATCHES);
    const r = {
      keysPerBatch: k,
      hourKeySpace: space.length,
      batches: BATCHES,
      serverCpuMsPerBatch: +((m.cpu / BATCHES) * 1000).toFixed(1),
      serverCpuUsPerKey: +((m.cpu / BATCHES / k) * 1e6).toFixed(2),
      wallMsPerBatch: +((m.wall / BATCHES) * 1000).toFixed(1),
    };
    results.push(r);
    process.stderr.write(`${JSON.stringify(r)}\n`);
  }
  await db.close();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
  await admin.close();
}
const out = {
  date: new Date().toISOString(),
  note: 'PostgreSQL backend user+system CPU (/proc/<pid>/stat) per applyBatch; WAL writer and checkpointer not included',
  apps: APPS,
  results,
};
const file = join(import.meta.dirname, '..', 'results', `rollup-server-cpu-${out.date.slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
