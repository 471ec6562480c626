/**
 * Drill 3: the transformer crashes between the Parquet write and the rollup commit (the
 * `beforeRollups` seam throws, once per crash point), the drain restarts from the checkpoint,
 * then compaction; lake rows == acked hits and rollups == lake.
 */
import { startBatchLoad } from './lib/batch-load.ts';
import { startDrillCollector } from './lib/collector-proc.ts';
import { type Drill, drillDirs } from './lib/drill.ts';
import { transformAndMeasure } from './lib/lake.ts';
import { segmentLogReader } from './lib/readers.ts';
import { check, judgeLoad } from './lib/verdict.ts';

export const transformerCrashDrill: Drill = {
  id: 'transformer-crash',
  title: 'transformer crash between Parquet write and rollup commit',
  async run(ctx) {
    const { cdir, tdir } = drillDirs(ctx);
    const c = await startDrillCollector(cdir);
    const load = startBatchLoad({ ...c.info, concurrency: 8, hitsPerRequest: 10 });
    await load.waitForAcks(ctx.quick ? 3_000 : 20_000, 60_000);
    const r = await load.stop(); // before the stop: a closing server answers 503 by design
    await c.stop();
    // Crash at the 2nd and 5th batch processed (counting retries): two crashes, two restarts.
    const crashAt = new Set([2, 5]);
    let processed = 0;
    const lake = await transformAndMeasure({
      dataDir: tdir,
      openReader: segmentLogReader(cdir, tdir),
      maxRecords: 10,
      attempts: 5,
      beforeRollups() {
        processed++;
        if (crashAt.has(processed)) throw new Error(`injected crash before rollups (batch ${processed})`);
      },
    });
    ctx.log(`${lake.crashes.length} crash(es), ${lake.drain.batches} batches committed`);
    return {
      ...judgeLoad(r, lake, [
        check('crashes injected', lake.crashes.length === 2, `${lake.crashes.length} crash(es) survived`),
      ]),
      details: { statuses: r.statuses, errors: r.errors, crashes: lake.crashes, drain: lake.drain },
    };
  },
};
