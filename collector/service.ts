/**
 * The ingest service: routes validate and hand over, this decides (DESIGN §4, STYLE "routes only
 * validate and hand over; a service decides; a sink writes"). Per request: resolve and check the
 * apps (unknown, disabled, origin), spend the per-app budget, honour opt-outs, enrich every hit,
 * then submit to the sink and resolve only once it is durable.
 */

import type { Source } from '../schemas/columns.ts';
import type { LakeRow } from '../schemas/lake.ts';
import type { BatchHit } from '../schemas/wire.ts';
import { OverloadedError } from '../stream/contract.ts';
import { EnvelopeKind } from '../stream/envelope.ts';
import type { CountryLookup } from './enrich/country-lookup.ts';
import { enrichHit } from './enrich/row.ts';
import { createVisitorIdCache } from './enrich/visitor.ts';
import { Errors, withDetails, withRetryAfter } from './errors.ts';
import type { LiveTap } from './live.ts';
import type { Metrics } from './metrics.ts';
import type { WindowLimiter } from './rate-limit.ts';
import type { App, AppRegistry } from './registry/registry.ts';
import type { SaltStore } from './salts.ts';
import type { HitSink } from './sink.ts';
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
  appLimiter: WindowLimiter;
  honorDnt: boolean;
  now: () => Date;
  /** Default: none (`country` NULL). */
  countries?: CountryLookup;
  /** The console's live view (`alt dev`); told of each hit only while someone watches. */
  live?: LiveTap;
}

const DAY_MS = 86_400_000;
/** How long before midnight UTC the next day's salt is fetched. */
export const SALT_PREFETCH_MS = 5 * 60_000;

/** Thrown errors are the collector's own (`errors.ts`); the route's error handler answers them. */
export function createIngestService(deps: IngestDeps) {
  const { sink, registry, salts, metrics, appLimiter, live } = deps;

  function tell(req: IngestRequest, outcome: 'accepted' | 'opted_out', droppedAt: (i: number) => boolean) {
    const at = new Date().toISOString();
    const http_status = req.route === 'pixel' ? 200 : 202;
    for (const [i, { hit }] of req.hits.entries()) {
      live?.emit({
        at,
        app_id: hit.app_id,
        outcome: outcome === 'accepted' && droppedAt(i) ? 'dropped_bot' : outcome,
        route: req.route,
        event_type: hit.event_type,
        url: hit.url ?? undefined,
        http_status,
      });
    }
  }
  const visitorIdOf = createVisitorIdCache();

  /** Throws the request's refusal when the app may not take it. */
  function checkApp(req: IngestRequest, id: string, app: App | null): App {
    if (!app) throw new Errors.UnknownApp(id);
    if (app.disabledAt) throw new Errors.AppDisabled(id);
    if (
      req.origin !== undefined &&
      app.allowedOrigins.length > 0 &&
      !app.allowedOrigins.includes(req.origin)
    ) {
      throw new Errors.OriginNotAllowed(req.origin, id);
    }
    return app;
  }

  function keyApps(req: IngestRequest, keyApp: App): Map<string, App> {
    const wrong = req.hits
      .map((h, index) => ({ index, id: h.hit.app_id }))
      .filter((x) => x.id !== keyApp.appId);
    if (wrong.length) {
      throw withDetails(
        new Errors.InvalidHit(`${wrong.length} hits name another app than the write key's`),
        wrong
          .slice(0, 50)
          .map((w) => ({ index: w.index, path: '/app_id', message: "is not the write key's app" })),
      );
    }
    return new Map([[keyApp.appId, keyApp]]);
  }

  /** The distinct app ids of a request; most carry one hit, or hits of one app: no Set for those. */
  function appIds(req: IngestRequest): string[] {
    const first = req.hits[0]?.hit.app_id;
    return req.hits.length > 0 && req.hits.every((h) => h.hit.app_id === first)
      ? [first]
      : [...new Set(req.hits.map((h) => h.hit.app_id))];
  }

  /** The apps, without an await when the registry's cache holds them all; else undefined. */
  function cachedApps(req: IngestRequest, ids: string[]): Map<string, App> | undefined {
    if (!registry.peek) return undefined;
    const found: (App | null)[] = [];
    for (const id of ids) {
      const app = registry.peek(id);
      if (app === undefined) return undefined;
      found.push(app);
    }
    return checkedApps(req, ids, found);
  }

  function checkedApps(req: IngestRequest, ids: string[], found: (App | null)[]): Map<string, App> {
    const apps = new Map<string, App>();
    for (const [i, id] of ids.entries()) apps.set(id, checkApp(req, id, found[i]));
    return apps;
  }

  async function resolveApps(req: IngestRequest, ids: string[]): Promise<Map<string, App>> {
    return checkedApps(req, ids, await lookup(ids));
  }

  async function lookup(ids: string[]): Promise<(App | null)[]> {
    try {
      if (ids.length === 1) return [await registry.get(ids[0])];
      return await Promise.all(ids.map((id) => registry.get(id)));
    } catch (cause) {
      // Registry unreachable: the client may retry; never a 500.
      throw withRetryAfter(new Errors.Overloaded({ cause }), 5);
    }
  }

  // The day's salt held here too, so a hit costs no await once the day's salt is known.
  let day: { startMs: number; salt: Uint8Array } | undefined;
  // Tomorrow's, fetched in the last minutes of the day: otherwise the first hits after midnight
  // all wait on one database round trip (an IPC call into the lake process under `alt dev`), a
  // latency spike at 00:00 UTC on every collector at once.
  let next: { startMs: number; salt: Uint8Array } | undefined;
  let prefetching = false;
  const prefetchNextDay = (ms: number) => {
    if (!day || prefetching || ms < day.startMs + DAY_MS - SALT_PREFETCH_MS) return;
    const startMs = day.startMs + DAY_MS;
    if (next?.startMs === startMs) return;
    prefetching = true;
    salts.saltFor(new Date(startMs)).then(
      (salt) => {
        next = { startMs, salt };
        prefetching = false;
      },
      // A failed prefetch costs nothing: the first hit of the day loads the salt as before.
      () => {
        prefetching = false;
      },
    );
  };
  const knownSalt = (ms: number): Uint8Array | undefined => {
    if (day && ms >= day.startMs && ms < day.startMs + DAY_MS) {
      prefetchNextDay(ms);
      return day.salt;
    }
    if (next && ms >= next.startMs && ms < next.startMs + DAY_MS) {
      day = next;
      next = undefined;
      return day.salt;
    }
    return undefined;
  };
  async function loadSalt(at: Date): Promise<Uint8Array> {
    const ms = at.getTime();
    let salt: Uint8Array;
    try {
      salt = await salts.saltFor(at);
    } catch (cause) {
      throw withRetryAfter(new Errors.Overloaded({ cause }), 5);
    }
    day = { startMs: ms - (ms % DAY_MS), salt };
    return salt;
  }

  /** After the apps are known: budget, opt-out, enrichment, the durable submit. */
  function ingestFor(req: IngestRequest, apps: Map<string, App>): Promise<IngestResult> {
    const perApp = new Map<string, number>();
    for (const h of req.hits) perApp.set(h.hit.app_id, (perApp.get(h.hit.app_id) ?? 0) + 1);
    for (const [appId, n] of perApp) {
      const wait = appLimiter.take(appId, n);
      if (wait > 0) throw withRetryAfter(new Errors.RateLimited(`app ${appId} is over its hit budget`), wait);
    }
    const n = req.hits.length;
    if (deps.honorDnt && req.optOut) {
      // Accepted (the browser has nothing to retry) but not stored: the visitor opted out.
      metrics.hitsRejected.inc({ reason: 'dnt' }, n);
      if (live?.active) tell(req, 'opted_out', () => false);
      return Promise.resolve({ accepted: n, stored: 0, droppedBots: 0, optedOut: true });
    }
    const receivedAt = deps.now();
    const salt = knownSalt(receivedAt.getTime());
    return salt
      ? store(req, apps, receivedAt, salt)
      : loadSalt(receivedAt).then((s) => store(req, apps, receivedAt, s));
  }

  function store(
    req: IngestRequest,
    apps: Map<string, App>,
    receivedAt: Date,
    salt: Uint8Array,
  ): Promise<IngestResult> {
    const n = req.hits.length;
    const receivedAtIso = receivedAt.toISOString();
    const lake: LakeRow[] = [];
    const drop: LakeRow[] = [];
    // Which hits were dropped, kept only while the live view watches.
    const dropped: boolean[] | undefined = live?.active ? [] : undefined;
    for (const { hit, eventMs } of req.hits) {
      const app = apps.get(hit.app_id)!;
      const e = enrichHit(hit, eventMs, {
        source: req.source,
        receivedAt,
        receivedAtIso,
        ip: req.ip,
        userAgent: req.userAgent,
        salt,
        botPolicy: app.botPolicy,
        visitorIdOf,
        countries: deps.countries,
      });
      if (e.kind === 'drop_bot') drop.push(e.row);
      else lake.push(e.row);
      dropped?.push(e.kind === 'drop_bot');
      if (e.row.is_bot) metrics.botHits.inc({ policy: app.botPolicy });
    }
    const submitted = !drop.length
      ? sink.submit(EnvelopeKind.LAKE_ROWS, lake)
      : !lake.length
        ? sink.submit(EnvelopeKind.DROPPED_BOTS, drop)
        : Promise.all([
            sink.submit(EnvelopeKind.LAKE_ROWS, lake),
            sink.submit(EnvelopeKind.DROPPED_BOTS, drop),
          ]);
    return submitted.then(
      () => {
        metrics.countAccepted(req.source, req.route, n);
        if (dropped && live?.active) tell(req, 'accepted', (i) => dropped[i]);
        return { accepted: n, stored: lake.length, droppedBots: drop.length, optedOut: false };
      },
      (cause) => {
        metrics.hitsRejected.inc({ reason: 'overloaded' }, n);
        const retry = cause instanceof OverloadedError ? cause.retryAfterSec : 1;
        throw withRetryAfter(new Errors.Overloaded({ cause }), retry);
      },
    );
  }

  return {
    /**
     * Resolves once every hit is durable; rejects with the collector's own error otherwise. Not
     * `async`: a request for a cached app with the day's salt known runs to the sink's submit
     * without an await (each costs a promise and a microtask turn at thousands of hits/s).
     */
    ingest(req: IngestRequest): Promise<IngestResult> {
      try {
        if (req.keyApp) return ingestFor(req, keyApps(req, req.keyApp));
        const ids = appIds(req);
        const apps = cachedApps(req, ids);
        return apps ? ingestFor(req, apps) : resolveApps(req, ids).then((a) => ingestFor(req, a));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
