/**
 * "2xx means durable" under `kill -9`: a child acknowledges hits as fast as it can and prints each
 * acknowledged log_id; it is SIGKILLed mid-load; every printed id must be in the log afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentLogReader, openSegmentLog } from '../../stream/segment-log/index.ts';
import { idsIn, killWriters, startWriter } from './ack-child.ts';

const dirs: string[] = [];
afterAll(async () => {
  killWriters();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('kill -9 under load', () => {
  it('segment-log stream: every acknowledged hit is in the log after the crash (twice over)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'alt-kill-'));
    dirs.push(dir);
    const acked: string[] = [];
    for (let round = 0; round < 2; round++) {
      // The second run reopens the log the first one left mid-write.
      const w = startWriter(['segment-log', dir]);
      await w.waitForAcks(3000);
      // A second writer is refused while the first one lives.
      await expect(openSegmentLog(dir)).rejects.toThrow(/being written by process/);
      await w.kill();
      acked.push(...w.acked);
    }
    // Reopening as the writer recovers a torn tail, if the kill left one.
    const log = await openSegmentLog(dir);
    await log.close();
    const reader = await createSegmentLogReader(dir, { retention: false });
    const stored = await idsIn(reader);
    await reader.close();
    expect(acked.length).toBeGreaterThanOrEqual(6000);
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
  });
});
