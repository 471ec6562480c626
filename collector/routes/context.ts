/** What every route module gets from `buildServer`. */
import type { FastifyRequest } from 'fastify';
import type { BeaconAssets } from '../beacon-assets.ts';
import type { Metrics } from '../metrics.ts';
import type { AppRegistry } from '../registry/registry.ts';
import type { IngestService } from '../service.ts';
import type { HitSink } from '../sink.ts';
import type { Validator } from '../validate.ts';

export interface RouteContext {
  service: IngestService;
  validator: Validator;
  registry: AppRegistry;
  sink: HitSink;
  metrics: Metrics;
  beacon: BeaconAssets;
}

/** The `Origin` header normalised as the registry stores origins; undefined when absent or opaque. */
export function requestOrigin(
  req: FastifyRequest,
  header: 'origin' | 'referer' = 'origin',
): string | undefined {
  const raw = req.headers[header];
  if (typeof raw !== 'string' || raw === '' || raw === 'null') return undefined;
  // A site's hits repeat a handful of origins: parse each once (bounded, cleared when full).
  // Referers carry whole URLs and vary per page, so only `Origin` is memoised.
  if (header === 'origin') {
    const known = ORIGINS.get(raw);
    if (known !== undefined) return known ?? undefined;
  }
  let origin: string | undefined;
  try {
    origin = new URL(raw).origin;
  } catch {
    origin = undefined;
  }
  if (header === 'origin') {
    if (ORIGINS.size >= ORIGINS_MAX) ORIGINS.clear();
    ORIGINS.set(raw, origin ?? null);
  }
  return origin;
}

const ORIGINS_MAX = 1000;
const ORIGINS = new Map<string, string | null>();

export const userAgentOf = (req: FastifyRequest): string => {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? ua.slice(0, 1024) : '';
};

/** `Sec-GPC: 1` or `DNT: 1`. */
export const optedOut = (req: FastifyRequest): boolean =>
  req.headers['sec-gpc'] === '1' || req.headers.dnt === '1';
