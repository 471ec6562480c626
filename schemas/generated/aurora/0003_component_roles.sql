-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['alt_collector', 'alt_transformer'] LOOP
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
  FROM alt_collector, alt_transformer;
REVOKE EXECUTE ON FUNCTION alt_ensure_month(timestamptz) FROM PUBLIC;

GRANT SELECT ON applications, schema_migrations TO alt_collector;
GRANT SELECT, INSERT, DELETE ON visitor_salts TO alt_collector;

GRANT SELECT ON schema_migrations TO alt_transformer;
GRANT SELECT, INSERT, UPDATE ON hits_hourly TO alt_transformer;
GRANT SELECT, INSERT ON transform_batches TO alt_transformer;
GRANT EXECUTE ON FUNCTION alt_ensure_month(timestamptz) TO alt_transformer;
