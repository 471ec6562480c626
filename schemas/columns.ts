/**
 * The single source of truth for a hit in the lake (DESIGN §3).
 *
 * Every other column list in the repository — JSON Schemas, Parquet schema, Athena/Glue,
 * Snowflake and Aurora DDL, data-quality queries — is derived from this array. Order matters:
 * it is the Parquet column order and the external tables' column order.
 */

/** Logical types; each output format maps them once (see `types.ts`). */
export type ColumnType = 'string' | 'int32' | 'timestamp' | 'boolean' | 'json';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly doc: string;
}

export const SCHEMA_VERSION = 1;

export const EVENT_TYPES = ['pageview', 'event', 'request'] as const;
export const SOURCES = ['beacon', 'pixel', 'server'] as const;
export const APP_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type Source = (typeof SOURCES)[number];
export type AppStatus = (typeof APP_STATUSES)[number];

export const LAKE_COLUMNS = [
  { name: 'log_id', type: 'string', nullable: false, doc: 'unique per hit (UUIDv7 text)' },
  { name: 'app_id', type: 'string', nullable: false, doc: 'registered app' },
  { name: 'client_sub_id', type: 'string', nullable: true, doc: 'customer-side sub-account or tenant' },
  { name: 'module_id', type: 'string', nullable: true, doc: 'page module or widget that sent the hit' },
  { name: 'event_type', type: 'string', nullable: false, doc: 'pageview | event | request' },
  { name: 'event_name', type: 'string', nullable: true, doc: 'custom event name' },
  { name: 'source', type: 'string', nullable: false, doc: 'beacon | pixel | server' },
  { name: 'timestamp', type: 'timestamp', nullable: false, doc: 'event time, UTC' },
  { name: 'received_at', type: 'timestamp', nullable: false, doc: 'arrival at the collector, UTC' },
  { name: 'url', type: 'string', nullable: true, doc: 'page or request URL, fragment dropped' },
  { name: 'referrer', type: 'string', nullable: true, doc: 'referring URL' },
  { name: 'user_agent', type: 'string', nullable: false, doc: 'User-Agent header or server-supplied' },
  { name: 'client_ip', type: 'string', nullable: false, doc: 'masked: IPv4 /24, IPv6 /48' },
  { name: 'session_id', type: 'string', nullable: true, doc: 'only when the site opts into sessions' },
  { name: 'visitor_id', type: 'string', nullable: false, doc: 'hash(daily salt, app, IP, UA): cookieless' },
  { name: 'status_code', type: 'int32', nullable: true, doc: 'HTTP status of the page or request' },
  { name: 'status', type: 'string', nullable: true, doc: 'application state: RUNNING | SUCCEEDED | FAILED' },
  { name: 'response_time_ms', type: 'int32', nullable: true, doc: 'page or request latency in ms' },
  { name: 'request_id', type: 'string', nullable: true, doc: 'joins to backend logs' },
  { name: 'metadata', type: 'json', nullable: true, doc: 'free-form JSON object, at most 4 KiB' },
  { name: 'is_bot', type: 'boolean', nullable: false, doc: 'true only when the app keeps bot hits' },
  { name: 'schema_version', type: 'int32', nullable: false, doc: 'schema version of the row' },
] as const satisfies readonly Column[];

export type LakeColumnName = (typeof LAKE_COLUMNS)[number]['name'];

/**
 * First year the lake can hold (the year ALT first wrote hits). Athena's partition projection
 * covers this year to next year only (`projectionYears`): every projected year adds 8,928 hour
 * partitions that a query without a year filter walks.
 */
export const LAKE_FIRST_YEAR = 2026;

/**
 * Hive-style partition columns, derived from the UTC hour of `timestamp`; never stored in files.
 * The year has no fixed upper bound: the projection renders it from the clock (`projectionYears`).
 */
export const PARTITION_COLUMNS = [
  { name: 'year', digits: 4, min: LAKE_FIRST_YEAR, max: null },
  { name: 'month', digits: 2, min: 1, max: 12 },
  { name: 'day', digits: 2, min: 1, max: 31 },
  { name: 'hour', digits: 2, min: 0, max: 23 },
] as const;

export function column(name: LakeColumnName): Column {
  const found = LAKE_COLUMNS.find((c) => c.name === name);
  if (!found) throw new Error(`unknown lake column ${name}`);
  return found;
}
