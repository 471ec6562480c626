/**
 * Drill 4: a 1 MiB spool (the setting's floor) with Kinesis down: once full the collector answers
 * 503 `overloaded`, never 2xx, and `/readyz` fails; the endpoint returns, the spool drains, and
 * nothing acknowledged is lost.
 */
import { startBatchLoad } from './lib/batch-load.ts';
import { startDrillCollector } from './lib/collector-proc.ts';
import { type Drill, drillDirs, sleep } from './lib/drill.ts';
import { kinesisBehindProxy, statusOf } from './lib/kinesis-setup.ts';
import { transformAndMeasure } from './lib/lake.ts';
import { kinesisReader } from './lib/readers.ts';
import { check, judgeLoad } from './lib/verdict.ts';

const SPOOL_MAX_BYTES = 1 << 20;

async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await sleep(100);
  }
  return false;
}

export const spoolFullDrill: Drill = {
  id: 'spool-full',
  title: 'disk spool full while Kinesis is down',
  async run(ctx) {
    const k = await kinesisBehindProxy(ctx);
    const { cdir, tdir } = drillDirs(ctx);
    const c = await startDrillCollector(cdir, { ...k.flags, 'spool-max-bytes': String(SPOOL_MAX_BYTES) });
    try {
      const load = startBatchLoad({
        ...c.info,
        concurrency: 8,
        hitsPerRequest: 20,
        padding: 1000,
        pauseMs: 10,
      });
      await load.waitForAcks(500, 60_000);
      await k.proxy.down();
      ctx.log('endpoint down; filling the 1 MiB spool');
      const got503 = await until(() => (load.result.statuses['503'] ?? 0) > 0, 60_000);
      const ackedAtFull = load.result.acked.length;
      const readyWhenFull = await statusOf(c.info.port, '/readyz');
      // Stay full a while: every answer now must be 503 (none 2xx).
      const okBefore = load.result.statuses['202'] ?? 0;
      await sleep(ctx.quick ? 2_000 : 10_000);
      const okWhileFull = (load.result.statuses['202'] ?? 0) - okBefore;
      ctx.log(`503 seen: ${got503}; /readyz ${readyWhenFull}; ${okWhileFull} acks while full; endpoint back`);
      await k.proxy.up();
      const upAt = Date.now();
      const readyAgain = await until(async () => (await statusOf(c.info.port, '/readyz')) === 200, 60_000);
      const readyAfterMs = Date.now() - upAt;
      ctx.log(`ready again: ${readyAgain} after ${(readyAfterMs / 1000).toFixed(1)} s`);
      await sleep(ctx.quick ? 2_000 : 5_000);
      const r = await load.stop();
      const ackedSet = new Set(r.acked);
      const transformAt = Date.now();
      const lake = await transformAndMeasure({
        dataDir: tdir,
        openReader: kinesisReader(k.kl, k.streamName, tdir),
        until: (d) => d.lakeRows >= ackedSet.size,
        deadlineMs: 90_000,
      });
      const transformMs = Date.now() - transformAt;
      ctx.log(`transformed in ${(transformMs / 1000).toFixed(1)} s`);
      const fivexx = Object.entries(r.statuses).filter(([s]) => s >= '500' && s !== '503');
      return {
        ...judgeLoad(r, lake, [
          check(
            '503 overloaded once full',
            got503 && (r.refusals['503 overloaded'] ?? 0) === (r.statuses['503'] ?? 0),
            `${r.statuses['503'] ?? 0} × 503 (${JSON.stringify(r.refusals)}) after ${ackedAtFull} acks`,
          ),
          // A put already spooling when the bound was crossed may still finish: allow none after 503s settled.
          check('no 2xx while full', okWhileFull === 0, `${okWhileFull} × 2xx in the full window`),
          check('/readyz fails when full', readyWhenFull === 503, `/readyz ${readyWhenFull}`),
          check(
            'ready again after drain',
            readyAgain,
            readyAgain ? '/readyz 200' : '/readyz not 200 within 60 s',
          ),
          check('no other 5xx', fivexx.length === 0, JSON.stringify(r.statuses)),
        ]),
        details: {
          statuses: r.statuses,
          errors: r.errors,
          spoolMaxBytes: SPOOL_MAX_BYTES,
          okWhileFull,
          drain: lake.drain,
        },
      };
    } finally {
      await c.stop();
      await k.proxy.close();
    }
  },
};
