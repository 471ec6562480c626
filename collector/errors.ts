/**
 * Every error the collector answers with (DESIGN §4), made by one factory so the code, the HTTP
 * status and the message template live in one place. `docs/errors.md` lists the same codes; a test
 * keeps the two equal. The body is always `{"error","message","details"}`.
 */
import createError from '@fastify/error';

/** One problem with one hit: `index` into the request's hits, JSON-pointer `path` inside that hit. */
export interface ErrorDetail {
  index: number;
  path: string;
  message: string;
}

export interface CollectorError extends Error {
  code: string;
  statusCode: number;
  details?: ErrorDetail[];
  /** Seconds, sent as `Retry-After` (429, 503). */
  retryAfterSec?: number;
  /** The app a refusal is about, when known before the body is read (the live view's filter). */
  appId?: string;
}

// @fastify/error upper-cases codes; the wire code is the lower-case part after the prefix.
const PREFIX = 'ALT_ERR_';
const make = (code: string, status: number, message: string) =>
  createError(`${PREFIX}${code}`, message, status);

/** `ALT_ERR_INVALID_HIT` → `invalid_hit`; undefined for errors not made here. */
export function wireCode(err: { code?: unknown }): string | undefined {
  return typeof err.code === 'string' && err.code.startsWith(PREFIX)
    ? err.code.slice(PREFIX.length).toLowerCase()
    : undefined;
}

export const Errors = {
  InvalidJson: make('invalid_json', 400, 'the body is not valid JSON: %s'),
  InvalidHit: make('invalid_hit', 400, '%s'),
  InvalidKey: make('invalid_key', 401, 'missing or unknown write key'),
  UnknownApp: make('unknown_app', 403, 'unknown app_id %s'),
  AppDisabled: make('app_disabled', 403, 'app %s is disabled'),
  OriginNotAllowed: make('origin_not_allowed', 403, 'origin %s may not send hits for app %s'),
  TooLarge: make('too_large', 413, 'the body is larger than %d bytes'),
  UnsupportedMediaType: make('unsupported_media_type', 415, '%s'),
  RateLimited: make('rate_limited', 429, 'too many requests: %s'),
  Overloaded: make('overloaded', 503, 'the collector cannot take hits right now; retry later'),
  /** Beyond DESIGN §4's list: unknown routes and malformed HTTP get the same answer shape. */
  NotFound: make('not_found', 404, 'no route %s %s'),
  BadRequest: make('bad_request', 400, 'the HTTP request is malformed'),
} as const;

export type ErrorName = keyof typeof Errors;

/** Every code the collector can answer with, in the order documented. */
export const ERROR_CODES: string[] = Object.values(Errors).map((E) => wireCode(new E())!);

/** Attaches details / Retry-After to an error made by the factory. */
export function withDetails<E extends Error>(err: E, details: ErrorDetail[]): E & CollectorError {
  return Object.assign(err, { details }) as E & CollectorError;
}

export function withRetryAfter<E extends Error>(err: E, seconds: number): E & CollectorError {
  return Object.assign(err, { retryAfterSec: Math.max(1, Math.ceil(seconds)) }) as E & CollectorError;
}

/** Names the app a refusal is about when the body, which names it too, is never read. */
export function withAppId<E extends Error>(err: E, appId: string): E & CollectorError {
  return Object.assign(err, { appId }) as E & CollectorError;
}

/** The JSON body of an error answer. */
export function errorBody(code: string, message: string, details: ErrorDetail[] = []) {
  return { error: code, message, details };
}
