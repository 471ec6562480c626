/**
 * The collector's pino logger: no full client address and no secrets ever reach a log line.
 * Requests serialise to method, path (no query string) and the masked address; the Authorization
 * header, cookies and forwarded-address headers are redacted wherever they appear.
 */
import type { FastifyRequest } from 'fastify';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { maskIp } from './enrich/ip.ts';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-forwarded-for"]',
  'authorization',
  'writeKey',
  'write_key',
];

export const LOG_SERIALIZERS = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: typeof req.url === 'string' ? req.url.split('?')[0].slice(0, 200) : undefined,
    ip: maskIp(req.ip),
  }),
};

export function collectorLoggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS };
}

export function createCollectorLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(collectorLoggerOptions(level), destination) : pino(collectorLoggerOptions(level));
}
