/**
 * What clients may send, per route (DESIGN §4). Wire names are lake column names; each route
 * picks which columns a client may set. Checks JSON Schema cannot express (well-formed Unicode,
 * metadata size and depth, timestamp window) live in the collector's validator.
 */
import Type, { type Static, type TSchema } from 'typebox';
import {
  APP_STATUSES,
  COLLECTOR_DERIVED_COLUMNS,
  EVENT_TYPES,
  type EventType,
  type LakeColumnName,
  TRANSFORMER_DERIVED_COLUMNS,
  WEB_VITALS_COLUMNS,
} from './columns.ts';
import type { LakeRow } from './lake.ts';

/** No C0 controls or DEL anywhere in a client string. */
const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f]*$';

export const LIMITS = {
  hitsPerRequest: 50,
  hitsPerBatch: 500,
  hitsBodyBytes: 64 * 1024,
  batchBodyBytes: 1024 * 1024,
  urlChars: 2048,
  idChars: 128,
  userAgentChars: 1024,
  metadataBytes: 4096,
  metadataDepth: 4,
  /** Client timestamps are accepted within [-24 h, +5 min] of arrival, else arrival time is used. */
  pastWindowMs: 24 * 3600 * 1000,
  futureWindowMs: 5 * 60 * 1000,
  /**
   * Web Vitals (`web_vitals` events): the millisecond metrics are integers in [0, 10 min] — a page
   * that takes longer is measuring something else — and CLS a number in [0, 100] (real pages score
   * below 1; a score is a sum of shift fractions over session windows, so it has no hard ceiling).
   */
  vitalMsMax: 600_000,
  clsMax: 100,
} as const;

export const APP_ID_PATTERN = '^alt_[0-9A-Za-z]{22}$';
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const ISO_WITH_ZONE = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})$';

const text = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL });
const absoluteUrl = () =>
  Type.String({
    maxLength: LIMITS.urlChars,
    pattern: `^[hH][tT][tT][pP][sS]?://[^\\s\\u0000-\\u001f\\u007f]+$`,
  });

/** The schema of every client-settable field, keyed by its lake column name. */
const FIELD: Partial<Record<LakeColumnName, TSchema>> = {
  log_id: Type.String({ pattern: UUID_PATTERN }),
  app_id: Type.String({ pattern: APP_ID_PATTERN }),
  client_sub_id: text(LIMITS.idChars),
  module_id: text(LIMITS.idChars),
  event_type: Type.Union(EVENT_TYPES.map((v) => Type.Literal(v))),
  event_name: text(LIMITS.idChars),
  timestamp: Type.Union([
    Type.Integer({ minimum: 0, maximum: 8640000000000000 }),
    Type.String({ maxLength: 40, pattern: ISO_WITH_ZONE }),
  ]),
  url: absoluteUrl(),
  referrer: absoluteUrl(),
  user_agent: Type.String({ maxLength: LIMITS.userAgentChars, pattern: NO_CONTROL }),
  client_ip: Type.String({ maxLength: 45, pattern: '^[0-9a-fA-F:.]+$' }),
  session_id: text(LIMITS.idChars),
  status_code: Type.Integer({ minimum: 100, maximum: 599 }),
  status: Type.Union(APP_STATUSES.map((v) => Type.Literal(v))),
  response_time_ms: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
  request_id: text(LIMITS.idChars),
  metadata: Type.Object({}, { additionalProperties: true }),
  lcp_ms: Type.Integer({ minimum: 0, maximum: LIMITS.vitalMsMax }),
  inp_ms: Type.Integer({ minimum: 0, maximum: LIMITS.vitalMsMax }),
  fcp_ms: Type.Integer({ minimum: 0, maximum: LIMITS.vitalMsMax }),
  ttfb_ms: Type.Integer({ minimum: 0, maximum: LIMITS.vitalMsMax }),
  cls: Type.Number({ minimum: 0, maximum: LIMITS.clsMax }),
};

function hitSchema<K extends LakeColumnName>(required: readonly K[], optional: readonly K[]) {
  const props: Record<string, TSchema> = {};
  for (const k of required) props[k] = FIELD[k]!;
  for (const k of optional) props[k] = Type.Optional(FIELD[k]!);
  return Type.Object(props, { additionalProperties: false });
}

const BROWSER_OPTIONAL = [
  'client_sub_id',
  'module_id',
  'event_name',
  'timestamp',
  'url',
  'referrer',
  'session_id',
  'status_code',
  'status',
  'response_time_ms',
  'request_id',
  'metadata',
  // Only on an `event` named `web_vitals` (checked by the collector's validator).
  ...WEB_VITALS_COLUMNS,
] as const satisfies readonly LakeColumnName[];

/** A hit from the beacon (`POST /v1/hits`). `url` is required for pageviews (checked by the collector). */
export const BeaconHitSchema = hitSchema(['app_id', 'event_type'], BROWSER_OPTIONAL);

/** A hit from `POST /v1/batch`: also carries idempotency key and the original client's address and UA. */
export const BatchHitSchema = hitSchema(
  ['app_id', 'event_type'],
  [...BROWSER_OPTIONAL, 'log_id', 'client_ip', 'user_agent'],
);

export const BeaconBodySchema = Type.Union([
  BeaconHitSchema,
  Type.Array(BeaconHitSchema, { minItems: 1, maxItems: LIMITS.hitsPerRequest }),
]);

export const BatchBodySchema = Type.Object(
  { hits: Type.Array(BatchHitSchema, { minItems: 1, maxItems: LIMITS.hitsPerBatch }) },
  { additionalProperties: false },
);

/**
 * `GET /v1/p.gif` query: every value arrives as a string; numbers are coerced by the validator.
 * `metadata` is not accepted on the pixel (a query string is no place for nested JSON), nor are the
 * Web Vitals (the pixel is the no-JavaScript fallback, and only script measures them).
 */
export const PixelQuerySchema = hitSchema(
  ['app_id', 'event_type'],
  BROWSER_OPTIONAL.filter(
    (f) => f !== 'metadata' && !(WEB_VITALS_COLUMNS as readonly LakeColumnName[]).includes(f),
  ),
);

type NonNull<T> = { [K in keyof T]: Exclude<T[K], null> };
type BrowserFields = NonNull<
  Pick<LakeRow, Exclude<(typeof BROWSER_OPTIONAL)[number], 'timestamp' | 'metadata'>>
>;

/** A validated beacon hit (the static type of `BeaconHitSchema`). */
export type BeaconHit = Partial<BrowserFields> & {
  app_id: string;
  event_type: EventType;
  /** epoch milliseconds or ISO-8601 with a zone */
  timestamp?: number | string;
  metadata?: Record<string, unknown>;
};
/** A validated `/v1/batch` hit. */
export type BatchHit = BeaconHit & Partial<Pick<LakeRow, 'log_id' | 'client_ip' | 'user_agent'>>;
/** A validated pixel query (numbers already coerced). */
export type PixelQuery = Omit<BeaconHit, 'metadata'>;
/** The body of `POST /v1/batch`. */
export type BatchBody = Static<typeof BatchBodySchema> & { hits: BatchHit[] };

/**
 * Fields only the server may set; named in the error when a client sends one. With them the
 * schema-2 columns the collector or the transformer derives (`country`, `browser`, …, `utm_content`).
 */
export const SERVER_OWNED_FIELDS = [
  'received_at',
  'visitor_id',
  'is_bot',
  'source',
  'schema_version',
  ...COLLECTOR_DERIVED_COLUMNS,
  ...TRANSFORMER_DERIVED_COLUMNS,
] as const satisfies readonly LakeColumnName[];
/** Additionally server-owned on browser routes (the collector reads them from the connection). */
export const BROWSER_SERVER_OWNED_FIELDS = [
  ...SERVER_OWNED_FIELDS,
  'client_ip',
  'user_agent',
  'log_id',
] as const satisfies readonly LakeColumnName[];
