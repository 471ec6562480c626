-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

CREATE OR REPLACE FUNCTION alt_hist_quantile(hist bigint[], q double precision) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$
    WITH cells AS (
      SELECT i, sum(c) OVER (ORDER BY i) AS running, sum(c) OVER () AS total
      FROM unnest(hist) WITH ORDINALITY AS t(c, i)
    )
    SELECT CASE WHEN min(i) IS NOT NULL
      THEN (alt_latency_bounds())[least(min(i), cardinality(alt_latency_bounds()))]::integer END
    FROM cells WHERE total > 0 AND running >= q * total
  $$;
