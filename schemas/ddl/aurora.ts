/**
 * Aurora PostgreSQL schema (DESIGN §7) as ordered migrations. The SQL must run on PostgreSQL 15
 * (Aurora) as well as on PGlite: `UNIQUE NULLS NOT DISTINCT` (PG 15+) lets nullable dimensions
 * sit in the rollup key without sentinel values.
 */
import {
  HISTOGRAM_CELLS,
  LATENCY_BUCKETS_MS,
  ROLLUP_COLUMNS,
  ROLLUP_HISTOGRAM,
  ROLLUP_KEY,
  ROLLUP_TABLE,
  type RollupColumn,
} from '../rollups.ts';
import { POSTGRES_TYPE } from '../types.ts';
import { APP_ID_PATTERN } from '../wire.ts';

export interface Migration {
  /** `0001_init` — applied in lexical order, recorded in `schema_migrations`. */
  id: string;
  sql: string;
}

/** Measures start at zero, so an upsert of some counters leaves the others meaningful. */
function columnDefault(c: RollupColumn): string {
  if (c.type === 'int64') return ' DEFAULT 0';
  if (c.type === 'int64[]') return ` DEFAULT array_fill(0::bigint, ARRAY[${HISTOGRAM_CELLS}])`;
  return '';
}

function init(): string {
  const columns = ROLLUP_COLUMNS.map(
    (c) => `  ${c.name} ${POSTGRES_TYPE[c.type]}${c.nullable ? '' : ' NOT NULL'}${columnDefault(c)},`,
  );
  const key = ROLLUP_KEY.map((c) => c.name).join(', ');
  const table = ROLLUP_TABLE;
  const hist = ROLLUP_HISTOGRAM.name;
  return `-- Applications registry: cached by the collector with a short TTL.
CREATE TABLE IF NOT EXISTS applications (
  app_id text PRIMARY KEY CHECK (app_id ~ '${APP_ID_PATTERN}'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  allowed_origins text[] NOT NULL DEFAULT '{}',
  bot_policy text NOT NULL DEFAULT 'drop' CHECK (bot_policy IN ('drop', 'keep')),
  write_key_sha256 text NOT NULL UNIQUE CHECK (write_key_sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

-- Hourly rollups, one RANGE partition per month (created ahead by alt_ensure_month).
-- hits and bot_hits count lake rows (bot_hits: is_bot = true); dropped_bots counts bot hits the
-- app's policy kept out of the lake. rt_hist[i] counts response times <= alt_latency_bounds()[i],
-- the last cell everything slower.
CREATE TABLE IF NOT EXISTS ${table} (
${columns.join('\n')}
  CONSTRAINT ${table}_key UNIQUE NULLS NOT DISTINCT (${key}),
  CHECK (date_trunc('hour', hour) = hour),
  CHECK (cardinality(${hist}) = ${HISTOGRAM_CELLS})
) PARTITION BY RANGE (hour);

-- Exactly-once ledger: a batch's rollups commit in the same transaction as its row here.
CREATE TABLE IF NOT EXISTS transform_batches (
  shard_id text NOT NULL,
  first_seq text NOT NULL,
  last_seq text NOT NULL,
  rows integer NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shard_id, first_seq, last_seq)
);

CREATE OR REPLACE FUNCTION alt_latency_bounds() RETURNS integer[]
  LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[${LATENCY_BUCKETS_MS.join(', ')}]::integer[] $$;

-- Element-wise sum of two histograms, for upserts and for analysts' GROUP BY sums.
CREATE OR REPLACE FUNCTION alt_hist_add(a bigint[], b bigint[]) RETURNS bigint[]
  LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
    FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
  $$;

CREATE OR REPLACE AGGREGATE alt_hist_sum(bigint[]) (
  SFUNC = alt_hist_add, STYPE = bigint[], INITCOND = '{}'
);

-- Upper bound (ms) of the bucket holding quantile q; NULL for an empty histogram, and the last
-- bound when q falls in the open-ended cell.
CREATE OR REPLACE FUNCTION alt_hist_quantile(hist bigint[], q double precision) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$
    WITH cells AS (
      SELECT i, sum(c) OVER (ORDER BY i) AS running, sum(c) OVER () AS total
      FROM unnest(hist) WITH ORDINALITY AS t(c, i)
    )
    SELECT (alt_latency_bounds())[least(min(i), cardinality(alt_latency_bounds()))]::integer
    FROM cells WHERE total > 0 AND running >= q * total
  $$;

-- Creates the month partition holding ts if it does not exist yet.
CREATE OR REPLACE FUNCTION alt_ensure_month(ts timestamptz) RETURNS void
  LANGUAGE plpgsql AS $$
  DECLARE
    m timestamptz := date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    name text := 'hits_hourly_' || to_char(m AT TIME ZONE 'UTC', 'YYYYMM');
  BEGIN
    EXECUTE format(
      'CREATE TABLE IF NOT EXISTS %I PARTITION OF hits_hourly FOR VALUES FROM (%L) TO (%L)',
      name, m, (m AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
  END $$;

-- Partitions from last month to three months ahead; the transformer creates others on demand.
SELECT alt_ensure_month(now() + make_interval(months => k)) FROM generate_series(-1, 3) AS k;

CREATE INDEX IF NOT EXISTS hits_hourly_app_hour ON hits_hourly (app_id, hour);
`;
}

/**
 * Daily salts for cookieless visitor ids, shared by every collector instance. The collector creates
 * today's salt on first use and deletes salts older than yesterday: rotation destroys them, so
 * yesterday's visitor ids cannot be recomputed from today's data.
 */
function visitorSalts(): string {
  return `CREATE TABLE IF NOT EXISTS visitor_salts (
  day date PRIMARY KEY,
  salt bytea NOT NULL CHECK (length(salt) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
}

/** The database role of each component that connects with an IAM token (the migration is the owner). */
export const COMPONENT_ROLES = { collector: 'alt_collector', transformer: 'alt_transformer' } as const;

/**
 * One login role per component with least privilege: the collector reads the registry and keeps the
 * daily salts; the transformer upserts rollups and the ledger. Neither owns a table, can create one,
 * or reads the other's data. The migration runs as the owner (the master user in AWS).
 *
 * - The roles have no password: in AWS they log in with IAM tokens, which needs `rds_iam`, a role
 *   that exists only on RDS/Aurora (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html),
 *   so it is granted only where it exists and the same SQL runs on PostgreSQL 15 and PGlite.
 * - Roles are cluster-wide while tables are per schema: a role made by a concurrent migration of
 *   another database or schema is not an error.
 * - Month partitions of hits_hourly are created on demand by the transformer (late or replayed
 *   hours), which needs ownership of the parent table: alt_ensure_month runs as its owner
 *   (SECURITY DEFINER, search_path pinned to this schema) and only the transformer may call it.
 * - Access through the partitioned parent is checked on the parent only, so grants on hits_hourly
 *   cover every partition, including those created later.
 * - Both read schema_migrations: a component that may not migrate checks the schema is current.
 */
function componentRoles(): string {
  const { collector, transformer } = COMPONENT_ROLES;
  return `DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['${collector}', '${transformer}'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', r);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
      EXECUTE format('GRANT rds_iam TO %I', r);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), r);
  END LOOP;
  EXECUTE format(
    'ALTER FUNCTION alt_ensure_month(timestamptz) SECURITY DEFINER SET search_path = %I, pg_temp',
    current_schema());
END $$;

REVOKE ALL ON applications, visitor_salts, hits_hourly, transform_batches, schema_migrations
  FROM ${collector}, ${transformer};
REVOKE EXECUTE ON FUNCTION alt_ensure_month(timestamptz) FROM PUBLIC;

GRANT SELECT ON applications, schema_migrations TO ${collector};
GRANT SELECT, INSERT, DELETE ON visitor_salts TO ${collector};

GRANT SELECT ON schema_migrations TO ${transformer};
GRANT SELECT, INSERT, UPDATE ON hits_hourly TO ${transformer};
GRANT SELECT, INSERT ON transform_batches TO ${transformer};
GRANT EXECUTE ON FUNCTION alt_ensure_month(timestamptz) TO ${transformer};
`;
}

/**
 * 0001's `alt_hist_quantile` answered the last bound (30,000 ms) for an all-zero histogram — an
 * hour with hits but no response times — because `least(NULL, n)` is n in PostgreSQL. Its
 * comment, the DuckDB macro and every reader expect NULL there.
 */
function histQuantileEmptyIsNull(): string {
  return `CREATE OR REPLACE FUNCTION alt_hist_quantile(hist bigint[], q double precision) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$
    WITH cells AS (
      SELECT i, sum(c) OVER (ORDER BY i) AS running, sum(c) OVER () AS total
      FROM unnest(hist) WITH ORDINALITY AS t(c, i)
    )
    SELECT CASE WHEN min(i) IS NOT NULL
      THEN (alt_latency_bounds())[least(min(i), cardinality(alt_latency_bounds()))]::integer END
    FROM cells WHERE total > 0 AND running >= q * total
  $$;
`;
}

export function auroraMigrations(): Migration[] {
  return [
    { id: '0001_init', sql: init() },
    { id: '0002_visitor_salts', sql: visitorSalts() },
    { id: '0003_component_roles', sql: componentRoles() },
    { id: '0004_hist_quantile_empty', sql: histQuantileEmptyIsNull() },
  ];
}
