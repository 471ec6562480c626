-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

CREATE TABLE IF NOT EXISTS visitor_salts (
  day date PRIMARY KEY,
  salt bytea NOT NULL CHECK (length(salt) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
