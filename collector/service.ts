/**
 * The ingest service: routes validate and hand over, this decides (DESIGN §4, STYLE "routes only
 * validate and hand over; a service decides; a sink writes"). Per request: resolve and check the
 * apps (unknown, disabled, origin), spend the per-app budget, honour opt-outs, enrich every hit,
 * then submit to the sink and resolve only once it is durable.
 */
import { EnvelopeKind } from '../lib/envelope.ts';
import type { Source } from '../schemas/columns.ts';
import type { LakeRow } from '../schemas/lake.ts';
import type { BatchHit } from '../schemas/wire.ts';
import type { AppRateLimiter } from './app-rate-limit.ts';
import { enrichHit } from './enrich/row.ts';
import { Errors, withDetails, withRetryAfter } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { App, AppRegistry } from './registry/registry.ts';
import type { SaltStore } from './salts.ts';
import { type HitSink, OverloadedError } from './sink.ts';
import type { Checked } from './validate.ts';

export interface IngestRequest {
  route: 'hits' | 'pixel' | 'batch';
  source: Source;
  hits: Checked<BatchHit>[];
  /** Full client address (after trusted proxy hops); masked before it is stored. */
  ip: string;
  userAgent: string;
  /** Browser `Origin` (or the Referer's origin for the pixel); checked against the app's list. */
  origin?: string;
  /** `Sec-GPC: 1` or `DNT: 1` was sent (only honoured when configured). */
  optOut: boolean;
  /** `/v1/batch`: the write key's app; every hit must name it. */
  keyApp?: App;
}

export interface IngestResult {
  accepted: number;
  stored: number;
  droppedBots: number;
  optedOut: boolean;
}

export interface IngestDeps {
  sink: HitSink;
  registry: AppRegistry;
  salts: SaltStore;
  metrics: Metrics;
  appLimiter: AppRateLimiter;
  honorDnt: boolean;
  now: () => Date;
}

/** Thrown errors are the collector's own (`errors.ts`); the route's error handler answers them. */
export function createIngestService(deps: IngestDeps) {
  const { sink, registry, salts, metrics, appLimiter } = deps;

  async function resolveApps(req: IngestRequest): Promise<Map<string, App>> {
    const apps = new Map<string, App>();
    if (req.keyApp) {
      const wrong = req.hits
        .map((h, index) => ({ index, id: h.hit.app_id }))
        .filter((x) => x.id !== req.keyApp!.appId);
      if (wrong.length) {
        throw withDetails(
          new Errors.InvalidHit(`${wrong.length} hits name another app than the write key's`),
          wrong
            .slice(0, 50)
            .map((w) => ({ index: w.index, path: '/app_id', message: "is not the write key's app" })),
        );
      }
      apps.set(req.keyApp.appId, req.keyApp);
      return apps;
    }
    const ids = [...new Set(req.hits.map((h) => h.hit.app_id))];
    const found = await lookup(ids);
    for (const [i, id] of ids.entries()) {
      const app = found[i];
      if (!app) throw new Errors.UnknownApp(id);
      if (app.disabledAt) throw new Errors.AppDisabled(id);
      if (
        req.origin !== undefined &&
        app.allowedOrigins.length > 0 &&
        !app.allowedOrigins.includes(req.origin)
      ) {
        throw new Errors.OriginNotAllowed(req.origin, id);
      }
      apps.set(id, app);
    }
    return apps;
  }

  async function lookup(ids: string[]): Promise<(App | null)[]> {
    try {
      return await Promise.all(ids.map((id) => registry.get(id)));
    } catch (cause) {
      // Registry unreachable: the client may retry; never a 500.
      throw withRetryAfter(new Errors.Overloaded({ cause }), 5);
    }
  }

  return {
    async ingest(req: IngestRequest): Promise<IngestResult> {
      const apps = await resolveApps(req);
      const perApp = new Map<string, number>();
      for (const h of req.hits) perApp.set(h.hit.app_id, (perApp.get(h.hit.app_id) ?? 0) + 1);
      for (const [appId, n] of perApp) {
        const wait = appLimiter.take(appId, n);
        if (wait > 0)
          throw withRetryAfter(new Errors.RateLimited(`app ${appId} is over its hit budget`), wait);
      }
      const n = req.hits.length;
      if (deps.honorDnt && req.optOut) {
        // Accepted (the browser has nothing to retry) but not stored: the visitor opted out.
        metrics.hitsRejected.inc({ reason: 'dnt' }, n);
        return { accepted: n, stored: 0, droppedBots: 0, optedOut: true };
      }
      const receivedAt = deps.now();
      let salt: Uint8Array;
      try {
        salt = await salts.saltFor(receivedAt);
      } catch (cause) {
        throw withRetryAfter(new Errors.Overloaded({ cause }), 5);
      }
      const store: LakeRow[] = [];
      const drop: LakeRow[] = [];
      for (const { hit, eventMs } of req.hits) {
        const app = apps.get(hit.app_id)!;
        const e = enrichHit(hit, eventMs, {
          source: req.source,
          receivedAt,
          ip: req.ip,
          userAgent: req.userAgent,
          salt,
          botPolicy: app.botPolicy,
        });
        if (e.kind === 'drop_bot') drop.push(e.row);
        else store.push(e.row);
        if (e.row.is_bot) metrics.botHits.inc({ policy: app.botPolicy });
      }
      try {
        await Promise.all([
          store.length ? sink.submit(EnvelopeKind.LAKE_ROWS, store) : undefined,
          drop.length ? sink.submit(EnvelopeKind.DROPPED_BOTS, drop) : undefined,
        ]);
      } catch (cause) {
        metrics.hitsRejected.inc({ reason: 'overloaded' }, n);
        const retry = cause instanceof OverloadedError ? cause.retryAfterSec : 1;
        throw withRetryAfter(new Errors.Overloaded({ cause }), retry);
      }
      metrics.hitsAccepted.inc({ source: req.source }, n);
      metrics.requestHits.observe({ route: req.route }, n);
      return { accepted: n, stored: store.length, droppedBots: drop.length, optedOut: false };
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
