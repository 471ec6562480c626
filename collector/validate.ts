/**
 * Request validation (DESIGN §4): the `schemas/wire.ts` JSON Schemas compiled with ajv (all errors,
 * no coercion for JSON bodies, coercion for the pixel's query string), ajv's errors mapped to
 * `details` with the hit index and the JSON path, plus what JSON Schema cannot say: well-formed
 * Unicode, metadata size/depth/keys, `url` for pageviews, timestamp parsing, server-owned fields.
 * Pure: never throws for any input, returns a discriminated result.
 */
import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { WEB_VITALS_COLUMNS, WEB_VITALS_EVENT } from '../schemas/columns.ts';
import {
  type BatchHit,
  BatchHitSchema,
  type BeaconHit,
  BeaconHitSchema,
  BROWSER_SERVER_OWNED_FIELDS,
  LIMITS,
  type PixelQuery,
  PixelQuerySchema,
  SERVER_OWNED_FIELDS,
} from '../schemas/wire.ts';
import type { ErrorDetail } from './errors.ts';

/** A hit that passed every check; `eventMs` is the parsed client timestamp, if one was sent. */
export interface Checked<H> {
  hit: H;
  eventMs?: number;
}

export type Validation<H> =
  | { ok: true; hits: Checked<H>[] }
  | { ok: false; message: string; details: ErrorDetail[] };

const MAX_DETAILS = 50;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
// Lone surrogates: a high one not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Either problem needs one of these code units: a plain class scan rules both out for most strings. */
const SUSPECT = /[\u0000-\u001f\u007f\uD800-\uDFFF]/;
const loneSurrogate = (s: string) => SUSPECT.test(s) && LONE_SURROGATE.test(s);
const hasControl = (s: string) => SUSPECT.test(s) && CONTROL.test(s);

const FIELD_MESSAGES: Record<string, string> = {
  app_id: 'must be "alt_" followed by 22 letters or digits',
  url: `must be an absolute http(s) URL of at most ${LIMITS.urlChars} characters`,
  referrer: `must be an absolute http(s) URL of at most ${LIMITS.urlChars} characters`,
  log_id: 'must be a UUID',
  client_ip: 'must be an IPv4 or IPv6 address',
  timestamp: 'must be epoch milliseconds or an ISO-8601 string with a time zone',
  event_type: 'must be one of pageview, event, request',
  status: 'must be one of RUNNING, SUCCEEDED, FAILED',
};

function ajvMessage(field: string, e: ErrorObject): string {
  switch (e.keyword) {
    case 'type':
      return FIELD_MESSAGES[field] && (field === 'timestamp' || field === 'event_type')
        ? FIELD_MESSAGES[field]
        : `must be ${e.params.type === 'integer' ? 'an integer' : `a ${e.params.type}`}`;
    case 'pattern':
      return FIELD_MESSAGES[field] ?? 'must be non-empty text without control characters';
    case 'minimum':
    case 'maximum':
      return `must be ${e.message?.replace(/^must be /, '')}`;
    case 'maxLength':
      return `must be at most ${e.params.limit} characters`;
    case 'minLength':
      return 'must not be empty';
    default:
      return FIELD_MESSAGES[field] ?? e.message ?? 'is invalid';
  }
}

/** ajv errors of one hit → details, one per path (the first, most specific message wins). */
function mapAjvErrors(index: number, errors: ErrorObject[] | null | undefined): ErrorDetail[] {
  const byPath = new Map<string, ErrorDetail>();
  for (const e of errors ?? []) {
    if (e.keyword === 'additionalProperties') {
      const path = `${e.instancePath}/${e.params.additionalProperty}`;
      if (!byPath.has(path)) byPath.set(path, { index, path, message: 'unknown field' });
      continue;
    }
    if (e.keyword === 'required') {
      const path = `${e.instancePath}/${e.params.missingProperty}`;
      byPath.set(path, { index, path, message: 'is required' });
      continue;
    }
    const path = e.instancePath || '/';
    const field = path.split('/')[1] ?? '';
    // Unions (event_type, status, timestamp) report each branch and then anyOf: one message instead.
    if (e.keyword === 'anyOf' || e.keyword === 'const') {
      byPath.set(path, { index, path, message: FIELD_MESSAGES[field] ?? 'has the wrong type or value' });
      continue;
    }
    if (!byPath.has(path)) {
      byPath.set(path, {
        index,
        path,
        message: path === '/' ? 'must be a JSON object' : ajvMessage(field, e),
      });
    }
  }
  return [...byPath.values()];
}

/** Walks metadata: depth, key names, string well-formedness. Returns a problem or null. */
function checkMetadata(
  value: unknown,
  depth: number,
  path: string,
): { path: string; message: string } | null {
  if (typeof value === 'string') {
    if (!SUSPECT.test(value)) return null;
    if (LONE_SURROGATE.test(value)) return { path, message: 'must be well-formed Unicode' };
    if (CONTROL.test(value)) return { path, message: 'must not contain control characters' };
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth > LIMITS.metadataDepth) {
    return { path, message: `metadata may nest at most ${LIMITS.metadataDepth} levels` };
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (!Array.isArray(value)) {
    for (const k of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(k)) return { path: `${path}/${k}`, message: 'this key name is not allowed' };
      if (loneSurrogate(k) || hasControl(k)) {
        return { path, message: 'keys must be well-formed Unicode without control characters' };
      }
    }
  }
  for (const [k, v] of entries) {
    const p = checkMetadata(v, depth + 1, `${path}/${k}`);
    if (p) return p;
  }
  return null;
}

/** Parses epoch ms or ISO-8601 with zone; NaN when it does not denote a real instant. */
export function parseTimestamp(t: number | string): number {
  if (typeof t === 'number') return t;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return Number.NaN;
  // Date.parse rolls 2024-02-31 over to March: reject dates that do not exist.
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(t);
  if (!m || +m[2] < 1 || +m[2] > 12 || +m[3] < 1 || +m[4] > 23 || +m[5] > 59) return Number.NaN;
  const days = new Date(Date.UTC(+m[1], +m[2], 0)).getUTCDate();
  return +m[3] > days ? Number.NaN : ms;
}

type Route = 'hits' | 'pixel' | 'batch';

const VITALS_ONLY = `is accepted only on an event hit named ${WEB_VITALS_EVENT} (event_type "event", event_name "${WEB_VITALS_EVENT}")`;

function extraChecks(index: number, hit: Record<string, unknown>, route: Route): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const k of Object.keys(hit)) {
    const v = hit[k];
    if (typeof v === 'string' && loneSurrogate(v)) {
      out.push({ index, path: `/${k}`, message: 'must be well-formed Unicode (no lone surrogates)' });
    }
  }
  if (hit.event_type === 'pageview' && hit.url === undefined) {
    out.push({ index, path: '/url', message: 'is required for pageviews' });
  }
  if (hit.event_type !== 'event' || hit.event_name !== WEB_VITALS_EVENT) {
    for (const k of WEB_VITALS_COLUMNS) {
      if (hit[k] !== undefined) out.push({ index, path: `/${k}`, message: VITALS_ONLY });
    }
  }
  if (
    hit.timestamp !== undefined &&
    (typeof hit.timestamp === 'string' || typeof hit.timestamp === 'number')
  ) {
    if (Number.isNaN(parseTimestamp(hit.timestamp))) {
      out.push({ index, path: '/timestamp', message: 'is not a real date and time' });
    }
  }
  if (hit.metadata !== undefined && hit.metadata !== null && typeof hit.metadata === 'object') {
    if (!Array.isArray(hit.metadata)) {
      const problem = checkMetadata(hit.metadata, 1, '/metadata');
      if (problem) out.push({ index, ...problem });
      else if (Buffer.byteLength(JSON.stringify(hit.metadata)) > LIMITS.metadataBytes) {
        out.push({
          index,
          path: '/metadata',
          message: `must be at most ${LIMITS.metadataBytes} bytes as JSON`,
        });
      }
    }
  }
  if (route === 'batch' && typeof hit.client_ip === 'string' && isIP(hit.client_ip) === 0) {
    out.push({ index, path: '/client_ip', message: FIELD_MESSAGES.client_ip });
  }
  return out;
}

/** Shared by every hit without problems (never written to), so a clean hit allocates no list. */
const NO_DETAILS: readonly ErrorDetail[] = Object.freeze([]);

function serverOwned(index: number, hit: Record<string, unknown>, route: Route): readonly ErrorDetail[] {
  const owned: readonly string[] = route === 'batch' ? SERVER_OWNED_FIELDS : BROWSER_SERVER_OWNED_FIELDS;
  let out: ErrorDetail[] | undefined;
  for (const f of owned) {
    if (!Object.hasOwn(hit, f)) continue;
    out ??= [];
    out.push({ index, path: `/${f}`, message: `${f} is set by the server and must not be sent` });
  }
  return out ?? NO_DETAILS;
}

/** The fields a route's schema lets a client leave out: JSON `null` there means absent (DESIGN §4). */
function optionalFields(schema: { properties: object; required?: readonly string[] }): ReadonlySet<string> {
  const required = new Set(schema.required ?? []);
  return new Set(Object.keys(schema.properties).filter((k) => !required.has(k)));
}

/**
 * Typed server SDKs serialise unset optionals as `null`: drop those keys (a copy, and only when one
 * is there, so a clean hit costs one key scan). A required field sent as `null` stays and fails.
 */
function withoutNullOptionals(hit: Record<string, unknown>, optional: ReadonlySet<string>) {
  let found = false;
  for (const k in hit) {
    if (hit[k] === null && optional.has(k)) {
      found = true;
      break;
    }
  }
  if (!found) return hit;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(hit)) if (!(hit[k] === null && optional.has(k))) out[k] = hit[k];
  return out;
}

function checkHits<H>(
  items: unknown[],
  validate: ValidateFunction,
  route: Route,
  optional: ReadonlySet<string>,
): Validation<H> {
  const details: ErrorDetail[] = [];
  const hits: Checked<H>[] = [];
  for (let i = 0; i < items.length && details.length < MAX_DETAILS; i++) {
    const item = items[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      details.push({ index: i, path: '/', message: 'must be a JSON object' });
      continue;
    }
    const hit = withoutNullOptionals(item as Record<string, unknown>, optional);
    const owned = serverOwned(i, hit, route);
    const ok = validate(hit);
    const extra = extraChecks(i, hit, route);
    if (!ok || owned.length > 0 || extra.length > 0) {
      const own = new Set(owned.map((d) => d.path));
      details.push(
        ...owned,
        ...(ok ? [] : mapAjvErrors(i, validate.errors).filter((d) => !own.has(d.path))),
        ...extra,
      );
      continue;
    }
    const ts = hit.timestamp as number | string | undefined;
    hits.push({ hit: hit as H, eventMs: ts === undefined ? undefined : parseTimestamp(ts) });
  }
  if (details.length) {
    const n = new Set(details.map((d) => d.index)).size;
    return {
      ok: false,
      message: `${n} hit${n === 1 ? '' : 's'} invalid`,
      details: details.slice(0, MAX_DETAILS),
    };
  }
  return { ok: true, hits };
}

const bad = (message: string, path = '/'): { ok: false; message: string; details: ErrorDetail[] } => ({
  ok: false,
  message,
  details: [{ index: 0, path, message }],
});

export interface Validator {
  /** `POST /v1/hits`: one hit or an array of 1..50. */
  beaconBody(body: unknown): Validation<BeaconHit>;
  /** `POST /v1/batch`: `{"hits": [...]}` of 1..500. */
  batchBody(body: unknown): Validation<BatchHit>;
  /** `GET /v1/p.gif`: every value a string; numbers coerced. */
  pixelQuery(query: unknown): Validation<PixelQuery>;
}

export function createValidator(): Validator {
  // strict: false — TypeBox schemas may carry annotations ajv does not know.
  const json = new Ajv({ allErrors: true, strict: false, coerceTypes: false });
  const coercing = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
  const beacon = json.compile(BeaconHitSchema);
  const batch = json.compile(BatchHitSchema);
  const pixel = coercing.compile(PixelQuerySchema);
  const beaconOptional = optionalFields(BeaconHitSchema);
  const batchOptional = optionalFields(BatchHitSchema);
  // A query string has no null: nothing to drop.
  const none: ReadonlySet<string> = new Set();

  return {
    beaconBody(body) {
      if (Array.isArray(body)) {
        if (body.length === 0) return bad('the array of hits is empty');
        if (body.length > LIMITS.hitsPerRequest) {
          return bad(`at most ${LIMITS.hitsPerRequest} hits per request (got ${body.length})`);
        }
        return checkHits<BeaconHit>(body, beacon, 'hits', beaconOptional);
      }
      if (body === null || typeof body !== 'object')
        return bad('the body must be a hit object or an array of hits');
      return checkHits<BeaconHit>([body], beacon, 'hits', beaconOptional);
    },
    batchBody(body) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return bad('the body must be an object {"hits": [...]}');
      }
      const extra = Object.keys(body).filter((k) => k !== 'hits');
      if (extra.length) return bad('unknown field', `/${extra[0]}`);
      const hits = (body as { hits?: unknown }).hits;
      if (!Array.isArray(hits)) return bad('"hits" must be an array', '/hits');
      if (hits.length === 0) return bad('"hits" is empty', '/hits');
      if (hits.length > LIMITS.hitsPerBatch) {
        return bad(`at most ${LIMITS.hitsPerBatch} hits per batch (got ${hits.length})`, '/hits');
      }
      return checkHits<BatchHit>(hits, batch, 'batch', batchOptional);
    },
    pixelQuery(query) {
      if (query === null || typeof query !== 'object') return bad('missing query string');
      // Copy: ajv coerces in place, and the parsed query may have a null prototype.
      return checkHits<PixelQuery>([{ ...(query as object) }], pixel, 'pixel', none);
    },
  };
}
