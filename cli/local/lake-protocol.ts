/**
 * The messages between `alt dev` (the collector's process) and its transformer process, over the
 * child process's IPC channel with Node's `advanced` serialization (structured clone: `Date` and
 * `Uint8Array` arrive as themselves). Requests carry an id and get exactly one reply; events are
 * one-way, from the transformer process.
 */
import type { Config } from '../../lib/config.ts';
import type { OutcomeCounts } from '../../transformer/core/outcome.ts';
import type { DrainResult } from '../../transformer/drivers/poller.ts';

/** Operations the transformer process answers (it holds the database: PGlite allows one opener). */
export const LAKE_OPS = [
  'registry.get',
  'registry.getByWriteKey',
  'registry.create',
  'registry.list',
  'registry.page',
  'registry.update',
  'registry.disable',
  'registry.enable',
  'registry.rotateKey',
  'registry.ping',
  'salts.saltFor',
  'lake.drain',
  'lake.compact',
  'lake.rollups',
  'console.overview',
  'console.lake',
] as const;
export type LakeOp = (typeof LAKE_OPS)[number];

export type ToLake =
  | { kind: 'init'; config: Config }
  | { kind: 'call'; id: number; op: LakeOp; args: unknown[] }
  /** Stop the loop, drain what the stream holds, close, exit 0. */
  | { kind: 'stop' };

export type LakeEvent =
  /** One batch is durable in the lake and the rollups: its records arrived at or before `throughMs`. */
  | { type: 'batch'; throughMs: number; outcomes: OutcomeCounts }
  /** A read at `atMs` found nothing left: everything written before it is transformed. */
  | { type: 'caught-up'; atMs: number }
  /** A timer-loop drain finished (for `alt dev`'s progress line). */
  | { type: 'drained'; result: DrainResult }
  | { type: 'log'; line: string };

export type FromLake =
  | { kind: 'ready'; pid: number }
  | { kind: 'init-failed'; error: string }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string }
  | { kind: 'event'; event: LakeEvent }
  | { kind: 'stopped' };
