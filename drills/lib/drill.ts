/** What every drill module exports and gets. */
import { join } from 'node:path';
import type { KinesisLocal } from '../../test/helpers/kinesis-local.ts';
import type { DrillNumbers } from './verdict.ts';

export interface DrillContext {
  quick: boolean;
  /** A fresh directory for this drill (removed afterwards). */
  dir: string;
  /** Progress line. */
  log(msg: string): void;
  /** One kinesis-local shared by the drills that need it (started on first use). */
  kinesis(): Promise<KinesisLocal>;
}

export interface DrillOutcome extends DrillNumbers {
  /** Drill-specific figures (statuses, timings, …) for the JSON. */
  details: Record<string, unknown>;
}

export interface Drill {
  id: string;
  title: string;
  run(ctx: DrillContext): Promise<DrillOutcome>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A drill's collector and transformer each get their own directory under the drill's. */
export const drillDirs = (ctx: DrillContext): { cdir: string; tdir: string } => ({
  cdir: join(ctx.dir, 'collector'),
  tdir: join(ctx.dir, 'transformer'),
});
