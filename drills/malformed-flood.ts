/**
 * Drill 5: thousands of generated malformed requests (each on its own connection, raw bytes) mixed
 * with good `/v1/batch` traffic: every bad one gets a 4xx, none a 5xx, and every acknowledged good
 * hit is in the lake.
 */
import { rawRequest } from '../collector/testing/raw-http.ts';
import { generateBadRequests } from './lib/bad-requests.ts';
import { startBatchLoad } from './lib/batch-load.ts';
import { startDrillCollector } from './lib/collector-proc.ts';
import { type Drill, drillDirs } from './lib/drill.ts';
import { statusOf } from './lib/kinesis-setup.ts';
import { transformAndMeasure } from './lib/lake.ts';
import { segmentLogReader } from './lib/readers.ts';
import { check, judgeLoad } from './lib/verdict.ts';

export const malformedFloodDrill: Drill = {
  id: 'malformed-flood',
  title: 'malformed-input flood mixed with good traffic',
  async run(ctx) {
    const { cdir, tdir } = drillDirs(ctx);
    const c = await startDrillCollector(cdir);
    const ids = {
      app: c.info.appId,
      disabled: c.info.disabled,
      restricted: c.info.restricted,
      writeKey: c.info.writeKey,
    };
    const bad = generateBadRequests(ids, ctx.quick ? 3_000 : 20_000, 9);
    const load = startBatchLoad({ ...c.info, concurrency: 4, hitsPerRequest: 10, pauseMs: 5 });
    const byStatus: Record<string, number> = {};
    const not4xx: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < bad.length) {
        const b = bad[next++];
        let status = 0;
        try {
          status = (await rawRequest(c.info.port, b.request, 15_000)).status;
        } catch {
          status = 0; // no answer within 15 s
        }
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        if (status < 400 || status >= 500) not4xx.push(`${b.name} → ${status}`);
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    const floodSec = (Date.now() - t0) / 1000;
    ctx.log(`${bad.length} bad requests in ${floodSec.toFixed(1)} s: ${JSON.stringify(byStatus)}`);
    const healthy = await statusOf(c.info.port, '/healthz');
    const r = await load.stop(); // before the stop: a closing server answers 503 by design
    await c.stop();
    const lake = await transformAndMeasure({ dataDir: tdir, openReader: segmentLogReader(cdir, tdir) });
    const good5xx = Object.entries(r.statuses).filter(([s]) => s >= '500');
    return {
      ...judgeLoad(r, lake, [
        check(
          'every bad request 4xx',
          not4xx.length === 0,
          `${bad.length - not4xx.length}/${bad.length} 4xx${not4xx.length ? `; e.g. ${not4xx.slice(0, 3).join('; ')}` : ''}`,
        ),
        check('good traffic: no 5xx', good5xx.length === 0, JSON.stringify(r.statuses)),
        check('still healthy', healthy === 200, `/healthz ${healthy}`),
      ]),
      details: {
        badRequests: bad.length,
        badByStatus: byStatus,
        not4xx: not4xx.slice(0, 20),
        floodSec,
        statuses: r.statuses,
        errors: r.errors,
        drain: lake.drain,
      },
    };
  },
};
