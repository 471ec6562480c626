/**
 * The collector's live tap: what it decided about each hit, for the console's live view (`alt dev`
 * only; the production collector has none). The routes and the service check `tap.active`, a
 * plain boolean, before building anything: with nobody subscribed a hit costs one property read.
 *
 * One `LiveHit` per hit accepted or dropped as a bot (after the stream has it, so "accepted" means
 * what the client's 2xx means) and one per refused request (a refusal is about the request: its
 * `details` carry the index of each hit that was wrong and the JSON pointer inside it).
 */

export interface LiveHit {
  at: string;
  app_id: string | null;
  /** `opted_out`: answered 2xx but not stored (GPC/DNT with `ALT_HONOR_DNT`). */
  outcome: 'accepted' | 'dropped_bot' | 'refused' | 'opted_out';
  /** The wire error code when refused (`invalid_hit`, `origin_not_allowed`, …). */
  code?: string;
  /** What was wrong: the hit's `index` in the request and the JSON pointer inside that hit. */
  details?: { index?: number; pointer: string; message: string }[];
  /** `hits`, `batch` or `pixel`. */
  route?: string;
  event_type?: string;
  url?: string;
  http_status: number;
}

export interface LiveTap {
  /** True while anyone is subscribed: callers check it before building a `LiveHit`. */
  readonly active: boolean;
  emit(hit: LiveHit): void;
  /** Returns the unsubscribe function. */
  subscribe(fn: (hit: LiveHit) => void): () => void;
}

export function createLiveTap(): LiveTap {
  const subscribers = new Set<(hit: LiveHit) => void>();
  const tap = {
    active: false,
    emit(hit: LiveHit) {
      for (const fn of subscribers) {
        try {
          fn(hit);
        } catch {
          // A subscriber's failure is its own: the hit is answered whatever the view does.
        }
      }
    },
    subscribe(fn: (hit: LiveHit) => void) {
      subscribers.add(fn);
      tap.active = true;
      return () => {
        subscribers.delete(fn);
        tap.active = subscribers.size > 0;
      };
    },
  };
  return tap;
}

/** The first hit of a parsed body (an array, `{hits: […]}` or one hit), else the query (the pixel). */
function firstHit(body: unknown, query: unknown): object | null {
  let hit: unknown = body;
  if (Array.isArray(body)) hit = body[0];
  else if (body !== null && typeof body === 'object' && Array.isArray((body as { hits?: unknown }).hits)) {
    hit = (body as { hits: unknown[] }).hits[0];
  } else if (body === undefined || body === null) hit = query;
  return hit !== null && typeof hit === 'object' ? hit : null;
}

/** The app a refused request named, from whatever of it was parsed (best effort, for filtering). */
export function appIdOf(body: unknown, query: unknown): string | null {
  const pick = (v: unknown): string | null => {
    const id = v !== null && typeof v === 'object' ? (v as { app_id?: unknown }).app_id : undefined;
    return typeof id === 'string' ? id.slice(0, 64) : null;
  };
  return pick(firstHit(body, query)) ?? pick(query);
}

/** The first hit's `event_type` and `url` when they are strings (what the live view shows of a refusal). */
export function firstHitOf(body: unknown, query: unknown): { event_type?: string; url?: string } {
  const hit = firstHit(body, query);
  if (!hit) return {};
  const { event_type, url } = hit as { event_type?: unknown; url?: unknown };
  return {
    event_type: typeof event_type === 'string' ? event_type.slice(0, 40) : undefined,
    url: typeof url === 'string' ? url.slice(0, 500) : undefined,
  };
}
