/**
 * The single source of truth for a hit in the lake (DESIGN §3).
 *
 * Every other column list in the repository — JSON Schemas, Parquet schema, Athena/Glue,
 * Snowflake and Aurora DDL, data-quality queries — is derived from this array. Order matters:
 * it is the Parquet column order and the external tables' column order.
 */

/** Logical types; each output format maps them once (see `types.ts`). */
export type ColumnType = 'string' | 'int32' | 'double' | 'timestamp' | 'boolean' | 'json';

/**
 * Who sets a schema-2 column (DESIGN §3): the collector (it needs the request: `country` from the
 * full IP), the transformer (it needs only stored columns, so `alt replay` can recompute it), or the
 * beacon's Web Vitals add-on (sent by clients on an `event` hit named `web_vitals`).
 */
export type ColumnOrigin = 'collector' | 'transformer' | 'web_vitals';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly doc: string;
  /** The schema version that added the column: files of version N hold the columns of 1..N. */
  readonly since: 1 | 2;
  /** Schema-2 columns only: who sets it. */
  readonly origin?: ColumnOrigin;
}

/**
 * The version written in every row's `schema_version`: the shape of the file it is in. Version 2
 * appended columns after `schema_version`, so a version-1 file is a prefix of a version-2 file and
 * readers that match columns by name (Athena, Snowflake, DuckDB with `union_by_name`) read both.
 */
export const SCHEMA_VERSION = 2;

/** The event name on which clients may send the Web Vitals columns (`origin: 'web_vitals'`). */
export const WEB_VITALS_EVENT = 'web_vitals';

export const EVENT_TYPES = ['pageview', 'event', 'request'] as const;
export const SOURCES = ['beacon', 'pixel', 'server'] as const;
export const APP_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;

export type EventType = (typeof EVENT_TYPES)[number];
export type Source = (typeof SOURCES)[number];
export type AppStatus = (typeof APP_STATUSES)[number];

export const LAKE_COLUMNS = [
  { name: 'log_id', type: 'string', nullable: false, doc: 'unique per hit (UUIDv7 text)', since: 1 },
  { name: 'app_id', type: 'string', nullable: false, doc: 'registered app', since: 1 },
  {
    name: 'client_sub_id',
    type: 'string',
    nullable: true,
    doc: 'customer-side sub-account or tenant',
    since: 1,
  },
  {
    name: 'module_id',
    type: 'string',
    nullable: true,
    doc: 'page module or widget that sent the hit',
    since: 1,
  },
  { name: 'event_type', type: 'string', nullable: false, doc: 'pageview | event | request', since: 1 },
  { name: 'event_name', type: 'string', nullable: true, doc: 'custom event name', since: 1 },
  { name: 'source', type: 'string', nullable: false, doc: 'beacon | pixel | server', since: 1 },
  { name: 'timestamp', type: 'timestamp', nullable: false, doc: 'event time, UTC', since: 1 },
  { name: 'received_at', type: 'timestamp', nullable: false, doc: 'arrival at the collector, UTC', since: 1 },
  { name: 'url', type: 'string', nullable: true, doc: 'page or request URL, fragment dropped', since: 1 },
  { name: 'referrer', type: 'string', nullable: true, doc: 'referring URL', since: 1 },
  {
    name: 'user_agent',
    type: 'string',
    nullable: false,
    doc: 'User-Agent header or server-supplied',
    since: 1,
  },
  { name: 'client_ip', type: 'string', nullable: false, doc: 'masked: IPv4 /24, IPv6 /48', since: 1 },
  {
    name: 'session_id',
    type: 'string',
    nullable: true,
    doc: 'only when the site opts into sessions',
    since: 1,
  },
  {
    name: 'visitor_id',
    type: 'string',
    nullable: false,
    doc: 'hash(daily salt, app, IP, UA): cookieless',
    since: 1,
  },
  { name: 'status_code', type: 'int32', nullable: true, doc: 'HTTP status of the page or request', since: 1 },
  {
    name: 'status',
    type: 'string',
    nullable: true,
    doc: 'application state: RUNNING | SUCCEEDED | FAILED',
    since: 1,
  },
  { name: 'response_time_ms', type: 'int32', nullable: true, doc: 'page or request latency in ms', since: 1 },
  { name: 'request_id', type: 'string', nullable: true, doc: 'joins to backend logs', since: 1 },
  { name: 'metadata', type: 'json', nullable: true, doc: 'free-form JSON object, at most 4 KiB', since: 1 },
  {
    name: 'is_bot',
    type: 'boolean',
    nullable: false,
    doc: 'true only when the app keeps bot hits',
    since: 1,
  },
  {
    name: 'schema_version',
    type: 'int32',
    nullable: false,
    doc: 'schema version of the file the row is in (2: it has the columns below)',
    since: 1,
  },
  // Schema version 2 (appended: every version-1 file stays a prefix). All nullable.
  {
    name: 'country',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'collector',
    doc: 'ISO 3166-1 alpha-2 country of the full client IP, looked up before masking; NULL when unknown',
  },
  {
    name: 'browser',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'browser family from user_agent (Chrome, Safari, Firefox, …)',
  },
  {
    name: 'browser_version',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'browser major version',
  },
  {
    name: 'os',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'operating system from user_agent (Windows, macOS, iOS, Android, Linux, ChromeOS, …)',
  },
  {
    name: 'os_version',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'operating system major version',
  },
  {
    name: 'device_type',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'desktop | mobile | tablet | other',
  },
  {
    name: 'url_host',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'host of url, lowercased',
  },
  {
    name: 'url_path',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'path of url (no query, no fragment)',
  },
  {
    name: 'referrer_host',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'host of referrer, lowercased; NULL without a referrer',
  },
  {
    name: 'channel',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'direct | internal | organic_search | paid_search | organic_social | paid_social | email | ai_assistant | referral | other',
  },
  {
    name: 'utm_source',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'utm_source of url, decoded, at most 256 characters',
  },
  {
    name: 'utm_medium',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'utm_medium of url, decoded, at most 256 characters',
  },
  {
    name: 'utm_campaign',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'utm_campaign of url, decoded, at most 256 characters',
  },
  {
    name: 'utm_term',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'utm_term of url, decoded, at most 256 characters',
  },
  {
    name: 'utm_content',
    type: 'string',
    nullable: true,
    since: 2,
    origin: 'transformer',
    doc: 'utm_content of url, decoded, at most 256 characters',
  },
  {
    name: 'lcp_ms',
    type: 'int32',
    nullable: true,
    since: 2,
    origin: 'web_vitals',
    doc: 'Largest Contentful Paint in ms (web_vitals events)',
  },
  {
    name: 'inp_ms',
    type: 'int32',
    nullable: true,
    since: 2,
    origin: 'web_vitals',
    doc: 'Interaction to Next Paint in ms (web_vitals events)',
  },
  {
    name: 'fcp_ms',
    type: 'int32',
    nullable: true,
    since: 2,
    origin: 'web_vitals',
    doc: 'First Contentful Paint in ms (web_vitals events)',
  },
  {
    name: 'ttfb_ms',
    type: 'int32',
    nullable: true,
    since: 2,
    origin: 'web_vitals',
    doc: 'Time to First Byte in ms (web_vitals events)',
  },
  {
    name: 'cls',
    type: 'double',
    nullable: true,
    since: 2,
    origin: 'web_vitals',
    doc: 'Cumulative Layout Shift score (web_vitals events)',
  },
] as const satisfies readonly Column[];

export type LakeColumnName = (typeof LAKE_COLUMNS)[number]['name'];

type Of<O extends ColumnOrigin> = Extract<(typeof LAKE_COLUMNS)[number], { origin: O }>['name'];
const namesOf = <O extends ColumnOrigin>(origin: O) =>
  LAKE_COLUMNS.filter(
    (c): c is Extract<(typeof LAKE_COLUMNS)[number], { origin: O }> => (c as Column).origin === origin,
  ).map((c) => c.name) as Of<O>[];

/** Set by the collector from the request (schema 2): `country`. */
export const COLLECTOR_DERIVED_COLUMNS: readonly Of<'collector'>[] = namesOf('collector');
/** Derived by the transformer from stored columns (schema 2): browser, os, url parts, channel, UTM. */
export const TRANSFORMER_DERIVED_COLUMNS: readonly Of<'transformer'>[] = namesOf('transformer');
/** Sent by clients on `web_vitals` events (schema 2). */
export const WEB_VITALS_COLUMNS: readonly Of<'web_vitals'>[] = namesOf('web_vitals');

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
