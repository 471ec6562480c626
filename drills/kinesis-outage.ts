/**
 * Drill 2: the collector on Kinesis (kinesis-local behind a toggle proxy) loses its endpoint for
 * 30 s (`--quick`: 5 s) under load: hits are acknowledged from the disk spool, the endpoint comes
 * back, the spool drains; transform from Kinesis; every acknowledged log_id is in the lake.
 */
import { startBatchLoad } from './lib/batch-load.ts';
import { startDrillCollector } from './lib/collector-proc.ts';
import { type Drill, drillDirs, sleep } from './lib/drill.ts';
import { kinesisBehindProxy, statusOf } from './lib/kinesis-setup.ts';
import { transformAndMeasure } from './lib/lake.ts';
import { kinesisReader } from './lib/readers.ts';
import { check, judgeLoad } from './lib/verdict.ts';

export const kinesisOutageDrill: Drill = {
  id: 'kinesis-outage',
  title: 'Kinesis endpoint down, then back',
  async run(ctx) {
    const outageMs = ctx.quick ? 5_000 : 30_000;
    const k = await kinesisBehindProxy(ctx);
    const { cdir, tdir } = drillDirs(ctx);
    const c = await startDrillCollector(cdir, k.flags);
    try {
      // A steady rate, not a flood: the point is the outage, not overload.
      const load = startBatchLoad({ ...c.info, concurrency: 8, hitsPerRequest: 10, pauseMs: 20 });
      await load.waitForAcks(1_000, 60_000);
      const beforeOutage = load.result.acked.length;
      ctx.log(`${beforeOutage} acked; endpoint down for ${outageMs / 1000} s`);
      await k.proxy.down();
      await sleep(outageMs / 2);
      const readyDuring = await statusOf(c.info.port, '/readyz');
      await sleep(outageMs / 2);
      const duringOutage = load.result.acked.length - beforeOutage;
      await k.proxy.up();
      ctx.log(`${duringOutage} acked during the outage; endpoint back`);
      await sleep(ctx.quick ? 3_000 : 10_000);
      const r = await load.stop();
      ctx.log(`transforming ${r.acked.length} acked hits from Kinesis (the spool drains meanwhile)`);
      const ackedSet = new Set(r.acked);
      const lake = await transformAndMeasure({
        dataDir: tdir,
        openReader: kinesisReader(k.kl, k.streamName, tdir),
        // Kinesis is read in rounds until every acked hit has arrived (or the deadline).
        until: (d) => d.lakeRows >= ackedSet.size,
        deadlineMs: 90_000,
      });
      const readyAfter = await statusOf(c.info.port, '/readyz');
      return {
        ...judgeLoad(r, lake, [
          check('acks during outage', duringOutage > 0, `${duringOutage} hits acked from the spool`),
          check(
            'no 5xx other than 503',
            !Object.keys(r.statuses).some((s) => s >= '500' && s !== '503'),
            JSON.stringify(r.statuses),
          ),
          check('ready after', readyAfter === 200, `/readyz ${readyDuring} during, ${readyAfter} after`),
        ]),
        details: {
          statuses: r.statuses,
          errors: r.errors,
          outageMs,
          beforeOutage,
          duringOutage,
          readyDuring,
          readyAfter,
          drain: lake.drain,
        },
      };
    } finally {
      await c.stop();
      await k.proxy.close();
    }
  },
};
