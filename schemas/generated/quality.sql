-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

-- duplicate_log_id: log_id must be unique across the lake
SELECT log_id, count(*) AS copies FROM hits GROUP BY log_id HAVING count(*) > 1 ORDER BY copies DESC LIMIT 100;

-- null_partition: every row has year/month/day/hour from its path
SELECT count(*) AS bad_rows FROM hits WHERE year IS NULL OR month IS NULL OR day IS NULL OR hour IS NULL HAVING count(*) > 0;

-- partition_mismatch: the path's hour equals the UTC hour of timestamp
SELECT year, month, day, hour, count(*) AS bad_rows FROM hits WHERE year <> year(timestamp) OR month <> month(timestamp) OR day <> day(timestamp) OR hour <> hour(timestamp) GROUP BY year, month, day, hour;

-- null_required: non-nullable columns are never NULL
SELECT count(*) AS bad_rows FROM hits WHERE log_id IS NULL OR app_id IS NULL OR event_type IS NULL OR source IS NULL OR timestamp IS NULL OR received_at IS NULL OR user_agent IS NULL OR client_ip IS NULL OR visitor_id IS NULL OR is_bot IS NULL OR schema_version IS NULL HAVING count(*) > 0;

-- invalid_status: status is NULL or one of RUNNING, SUCCEEDED, FAILED
SELECT status, count(*) AS bad_rows FROM hits WHERE status IS NOT NULL AND status NOT IN ('RUNNING', 'SUCCEEDED', 'FAILED') GROUP BY status;

-- status_code_out_of_range: status_code is NULL or an HTTP status between 100 and 599
SELECT status_code, count(*) AS bad_rows FROM hits WHERE status_code IS NOT NULL AND (status_code < 100 OR status_code > 599) GROUP BY status_code;

-- invalid_enum: event_type and source hold known values
SELECT event_type, source, count(*) AS bad_rows FROM hits WHERE event_type NOT IN ('pageview', 'event', 'request') OR source NOT IN ('beacon', 'pixel', 'server') GROUP BY event_type, source;
