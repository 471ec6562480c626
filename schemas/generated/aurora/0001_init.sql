-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

-- Applications registry: cached by the collector with a short TTL.
CREATE TABLE IF NOT EXISTS applications (
  app_id text PRIMARY KEY CHECK (app_id ~ '^alt_[0-9A-Za-z]{22}$'),
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
CREATE TABLE IF NOT EXISTS hits_hourly (
  app_id text NOT NULL,
  hour timestamptz NOT NULL,
  client_sub_id text,
  module_id text,
  event_type text NOT NULL,
  source text NOT NULL,
  status_code integer,
  status text,
  hits bigint NOT NULL DEFAULT 0,
  bot_hits bigint NOT NULL DEFAULT 0,
  dropped_bots bigint NOT NULL DEFAULT 0,
  rt_count bigint NOT NULL DEFAULT 0,
  rt_sum bigint NOT NULL DEFAULT 0,
  rt_hist bigint[] NOT NULL DEFAULT array_fill(0::bigint, ARRAY[19]),
  CONSTRAINT hits_hourly_key UNIQUE NULLS NOT DISTINCT (app_id, hour, client_sub_id, module_id, event_type, source, status_code, status),
  CHECK (date_trunc('hour', hour) = hour),
  CHECK (cardinality(rt_hist) = 19)
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
  LANGUAGE sql IMMUTABLE AS $$ SELECT ARRAY[5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000]::integer[] $$;

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
