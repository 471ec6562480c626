/**
 * The console's local adapter (`alt dev`): apps through the collector's cached registry (so a
 * change takes effect on the next hit), rollups and the lake through the transformer process
 * (it owns the database and the lake), lag from the lag tracker, counts from the collector's
 * counters, and the live view from the collector's tap.
 *
 * The tap costs nothing while nobody watches, so the ring of recent hits a newly opened live view
 * starts with is filled only from the first live view on, and kept for `holdMs` after the last
 * one closes (moving between console pages keeps it); after that it is dropped with its
 * subscription.
 */

import { type SnippetBeacon, snippet } from '../../beacon/snippet.ts';
import type { LiveHit, LiveTap } from '../../collector/live.ts';
import type { Metrics } from '../../collector/metrics.ts';
import type { AppRegistry } from '../../collector/registry/registry.ts';
import { registryApps } from '../../console/registry-apps.ts';
import type { ConsoleSource, Overview } from '../../console/source.ts';
import type { LagSnapshot } from './lag.ts';
import type { LakeProcess } from './lake-client.ts';

export interface LocalConsoleOptions {
  label: string;
  registry: AppRegistry;
  lake: Pick<LakeProcess, 'call'>;
  lag(): LagSnapshot;
  metrics: Pick<Metrics, 'hitsAccepted' | 'hitsRejected' | 'botHits'>;
  /** The collector as browsers reach it. */
  collectorUrl: string;
  /** The beacon build the collector serves, with its code (inline snippets); undefined when none is built. */
  manifest: SnippetBeacon | undefined;
  tap: LiveTap;
  ringSize?: number;
  holdMs?: number;
}

type Totals = { at: number; accepted: number; refused: number; dropped_bots: number };

async function sum(
  counter: { get(): Promise<{ values: { value: number; labels: Record<string, string | number> }[] }> },
  keep: (labels: Record<string, string | number>) => boolean = () => true,
): Promise<number> {
  return (await counter.get()).values.reduce((n, v) => (keep(v.labels) ? n + v.value : n), 0);
}

export function createLocalConsoleSource(o: LocalConsoleOptions): ConsoleSource & { close(): void } {
  const ringSize = o.ringSize ?? 200;
  const holdMs = o.holdMs ?? 10 * 60_000;
  const ring: LiveHit[] = [];
  let leaveRing: (() => void) | undefined;
  let holding: NodeJS.Timeout | undefined;
  let watchers = 0;

  async function totals(): Promise<Totals> {
    const dropped = await sum(o.metrics.botHits, (l) => l.policy === 'drop');
    return {
      at: Date.now(),
      // The counter counts every hit of an acknowledged request, the dropped bots among them.
      accepted: (await sum(o.metrics.hitsAccepted)) - dropped,
      // Opt-outs are acknowledged to the browser, not refused.
      refused: await sum(o.metrics.hitsRejected, (l) => l.reason !== 'dnt'),
      dropped_bots: dropped,
    };
  }
  // One sample a minute, an hour's worth: counts over the last hour are now minus the oldest.
  const samples: Totals[] = [{ at: Date.now(), accepted: 0, refused: 0, dropped_bots: 0 }];
  const sampler = setInterval(() => {
    totals().then(
      (t) => {
        samples.push(t);
        while (samples.length > 61) samples.shift();
      },
      () => {},
    );
  }, 60_000);
  sampler.unref();

  return {
    label: o.label,
    apps: registryApps(o.registry),
    async snippet(appId, opts) {
      if (!o.manifest)
        throw new Error('the beacon is not built (npm run build:beacon, then restart alt dev)');
      return snippet({ appId, collectorUrl: o.collectorUrl, manifest: o.manifest, ...opts });
    },
    overview: (q) => o.lake.call<Overview>('console.overview', { appId: q.appId, hours: q.hours }),
    async lag() {
      const l = o.lag();
      return { hits: l.hits, seconds: Math.round(l.seconds) };
    },
    lake: () => o.lake.call<{ hours: number; files: number; rows: number }>('console.lake'),
    async counts() {
      const now = await totals();
      const from = samples.find((s) => now.at - s.at <= 3_600_000 + 30_000) ?? samples[0];
      return {
        accepted: now.accepted - from.accepted,
        refused: now.refused - from.refused,
        dropped_bots: now.dropped_bots - from.dropped_bots,
        window_minutes: Math.max(1, Math.round((now.at - from.at) / 60_000)),
      };
    },
    live: {
      subscribe(fn) {
        clearTimeout(holding);
        leaveRing ??= o.tap.subscribe((hit) => {
          ring.push(hit);
          if (ring.length > ringSize) ring.shift();
        });
        watchers++;
        for (const hit of ring) fn(hit);
        const off = o.tap.subscribe(fn);
        let done = false;
        return () => {
          if (done) return;
          done = true;
          off();
          if (--watchers > 0) return;
          holding = setTimeout(() => {
            leaveRing?.();
            leaveRing = undefined;
            ring.length = 0;
          }, holdMs);
          holding.unref();
        };
      },
    },
    close() {
      clearInterval(sampler);
      clearTimeout(holding);
      leaveRing?.();
    },
  };
}
