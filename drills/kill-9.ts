/**
 * Drill 1: `kill -9` of the full collector under `/v1/batch` load, restart, more load, transform
 * everything from the segment log; every acknowledged log_id must be in the lake.
 */
import { retryBatches, startBatchLoad } from './lib/batch-load.ts';
import { startDrillCollector } from './lib/collector-proc.ts';
import { type Drill, drillDirs } from './lib/drill.ts';
import { transformAndMeasure } from './lib/lake.ts';
import { segmentLogReader } from './lib/readers.ts';
import { check, judge } from './lib/verdict.ts';

export const kill9Drill: Drill = {
  id: 'kill-9',
  title: 'kill -9 of the collector under load',
  async run(ctx) {
    const { cdir, tdir } = drillDirs(ctx);
    const target = ctx.quick ? 3_000 : 20_000;
    const rounds = ctx.quick ? 1 : 3;
    let sent = 0;
    const acked: string[] = [];
    const statuses: Record<string, number> = {};
    const errors: Record<string, number> = {};
    let inFlightAtKill = 0;
    let unanswered: string[][] = [];
    let retriedAcked = 0;
    for (let round = 0; round <= rounds; round++) {
      const c = await startDrillCollector(cdir);
      // First the requests the kill left unanswered, with their log_ids (the idempotent retry a
      // client makes): whatever the dead collector had stored becomes a duplicate for the lake to remove.
      const retried = await retryBatches(c.info, unanswered);
      acked.push(...retried);
      retriedAcked += retried.length;
      const load = startBatchLoad({ ...c.info, concurrency: 16, hitsPerRequest: 10 });
      await load.waitForAcks(round < rounds ? target : 1_000, 60_000);
      if (round < rounds) {
        ctx.log(`round ${round + 1}: ${load.result.acked.length} acked, SIGKILL`);
        inFlightAtKill +=
          load.result.requests - Object.values(load.result.statuses).reduce((a, b) => a + b, 0);
        await c.kill9();
      }
      const r = await load.stop();
      // The last run ends gracefully, after its load (a closing server answers 503 by design).
      if (round === rounds) await c.stop();
      sent += r.hitsSent;
      unanswered = r.unanswered;
      acked.push(...r.acked);
      for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    }
    ctx.log(`transforming ${acked.length} acked hits`);
    const lake = await transformAndMeasure({ dataDir: tdir, openReader: segmentLogReader(cdir, tdir) });
    return {
      ...judge({
        sent,
        ackedIds: acked,
        ...lake,
        checks: [
          check(
            'kills',
            rounds > 0,
            `${rounds} SIGKILL(s) with ${inFlightAtKill} requests in flight; ${retriedAcked} hits re-sent and acked`,
          ),
        ],
      }),
      details: { statuses, errors, kills: rounds, inFlightAtKill, retriedAcked, drain: lake.drain },
    };
  },
};
