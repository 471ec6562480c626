/**
 * The planning worker: plans the part of a batch it is sent and posts back the plan with the
 * `log_id`s it kept. Each partition's byte runs are copied into one buffer of its own, which is
 * transferred rather than cloned (cloning a view would copy the whole decompressed record it
 * points into).
 */
import { parentPort } from 'node:worker_threads';
import type { PlanRequest, PlanResponse } from './parallel-planner.ts';
import { planWithIds } from './plan.ts';
import { giveBackSlabs } from './slabs.ts';

const port = parentPort;
if (!port) throw new Error('plan-worker.ts runs as a worker thread');

function own(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

port.on('message', (req: PlanRequest) => {
  let res: PlanResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    const { plan, lakeIds, droppedIds } = planWithIds(
      { shardId: req.shardId, records: req.records },
      req.onlyPartitions ? { onlyPartitions: new Set(req.onlyPartitions) } : {},
    );
    for (const g of plan.partitions) {
      const one = own(g.ndjson);
      // Copied: this thread's slabs serve its next part.
      giveBackSlabs(g.ndjson);
      g.ndjson = [one];
      transfer.push(one.buffer as ArrayBuffer);
    }
    // The id sets' tables move too (a class instance would arrive as a plain object).
    const lake = lakeIds.data();
    const dropped = droppedIds.data();
    transfer.push(...lake.transfer, ...dropped.transfer);
    res = { id: req.id, ok: true, plan, lakeIds: lake.data, droppedIds: dropped.data };
  } catch (err) {
    res = { id: req.id, ok: false, error: (err as Error).stack ?? String(err) };
  }
  port.postMessage(res, transfer);
});
