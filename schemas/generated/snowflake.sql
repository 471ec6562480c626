-- Generated from schemas/columns.ts by `npm run generate` — do not edit.
-- Defaults shown; `npm run alt -- ddl <target>` prints it for your configuration.

-- Run as ACCOUNTADMIN (integration) and as the lake owner role (stage, table).
CREATE STORAGE INTEGRATION IF NOT EXISTS ALT_LAKE_INTEGRATION
  TYPE = EXTERNAL_STAGE
  STORAGE_PROVIDER = 'S3'
  ENABLED = TRUE
  STORAGE_AWS_ROLE_ARN = 'arn:aws:iam::123456789012:role/alt-dev-snowflake'
  STORAGE_ALLOWED_LOCATIONS = ('s3://alt-lake-dev/hits/');

CREATE DATABASE IF NOT EXISTS ALT;
CREATE SCHEMA IF NOT EXISTS ALT.LAKE;

CREATE STAGE IF NOT EXISTS ALT.LAKE.ALT_LAKE_STAGE
  URL = 's3://alt-lake-dev/hits/'
  STORAGE_INTEGRATION = ALT_LAKE_INTEGRATION
  FILE_FORMAT = (TYPE = PARQUET);

CREATE EXTERNAL TABLE IF NOT EXISTS ALT.LAKE.HITS (
  "YEAR" NUMBER(4,0) AS (SPLIT_PART(SPLIT_PART('/' || METADATA$FILENAME, '/year=', 2), '/', 1)::NUMBER(4,0)),
  "MONTH" NUMBER(2,0) AS (SPLIT_PART(SPLIT_PART('/' || METADATA$FILENAME, '/month=', 2), '/', 1)::NUMBER(2,0)),
  "DAY" NUMBER(2,0) AS (SPLIT_PART(SPLIT_PART('/' || METADATA$FILENAME, '/day=', 2), '/', 1)::NUMBER(2,0)),
  "HOUR" NUMBER(2,0) AS (SPLIT_PART(SPLIT_PART('/' || METADATA$FILENAME, '/hour=', 2), '/', 1)::NUMBER(2,0)),
  "LOG_ID" VARCHAR AS (VALUE:log_id::VARCHAR) COMMENT 'unique per hit (UUIDv7 text)',
  "APP_ID" VARCHAR AS (VALUE:app_id::VARCHAR) COMMENT 'registered app',
  "CLIENT_SUB_ID" VARCHAR AS (VALUE:client_sub_id::VARCHAR) COMMENT 'customer-side sub-account or tenant',
  "MODULE_ID" VARCHAR AS (VALUE:module_id::VARCHAR) COMMENT 'page module or widget that sent the hit',
  "EVENT_TYPE" VARCHAR AS (VALUE:event_type::VARCHAR) COMMENT 'pageview | event | request',
  "EVENT_NAME" VARCHAR AS (VALUE:event_name::VARCHAR) COMMENT 'custom event name',
  "SOURCE" VARCHAR AS (VALUE:source::VARCHAR) COMMENT 'beacon | pixel | server',
  "TIMESTAMP" TIMESTAMP_NTZ AS (CASE WHEN IS_INTEGER(VALUE:timestamp) THEN TO_TIMESTAMP_NTZ(VALUE:timestamp::NUMBER, 6) WHEN IS_TIMESTAMP_LTZ(VALUE:timestamp) OR IS_TIMESTAMP_TZ(VALUE:timestamp) THEN CONVERT_TIMEZONE('UTC', VALUE:timestamp::TIMESTAMP_TZ)::TIMESTAMP_NTZ ELSE VALUE:timestamp::TIMESTAMP_NTZ END) COMMENT 'event time, UTC',
  "RECEIVED_AT" TIMESTAMP_NTZ AS (CASE WHEN IS_INTEGER(VALUE:received_at) THEN TO_TIMESTAMP_NTZ(VALUE:received_at::NUMBER, 6) WHEN IS_TIMESTAMP_LTZ(VALUE:received_at) OR IS_TIMESTAMP_TZ(VALUE:received_at) THEN CONVERT_TIMEZONE('UTC', VALUE:received_at::TIMESTAMP_TZ)::TIMESTAMP_NTZ ELSE VALUE:received_at::TIMESTAMP_NTZ END) COMMENT 'arrival at the collector, UTC',
  "URL" VARCHAR AS (VALUE:url::VARCHAR) COMMENT 'page or request URL, fragment dropped',
  "REFERRER" VARCHAR AS (VALUE:referrer::VARCHAR) COMMENT 'referring URL',
  "USER_AGENT" VARCHAR AS (VALUE:user_agent::VARCHAR) COMMENT 'User-Agent header or server-supplied',
  "CLIENT_IP" VARCHAR AS (VALUE:client_ip::VARCHAR) COMMENT 'masked: IPv4 /24, IPv6 /48',
  "SESSION_ID" VARCHAR AS (VALUE:session_id::VARCHAR) COMMENT 'only when the site opts into sessions',
  "VISITOR_ID" VARCHAR AS (VALUE:visitor_id::VARCHAR) COMMENT 'hash(daily salt, app, IP, UA): cookieless',
  "STATUS_CODE" INTEGER AS (VALUE:status_code::INTEGER) COMMENT 'HTTP status of the page or request',
  "STATUS" VARCHAR AS (VALUE:status::VARCHAR) COMMENT 'application state: RUNNING | SUCCEEDED | FAILED',
  "RESPONSE_TIME_MS" INTEGER AS (VALUE:response_time_ms::INTEGER) COMMENT 'page or request latency in ms',
  "REQUEST_ID" VARCHAR AS (VALUE:request_id::VARCHAR) COMMENT 'joins to backend logs',
  "METADATA" VARIANT AS (TRY_PARSE_JSON(VALUE:metadata::VARCHAR)) COMMENT 'free-form JSON object, at most 4 KiB',
  "IS_BOT" BOOLEAN AS (VALUE:is_bot::BOOLEAN) COMMENT 'true only when the app keeps bot hits',
  "SCHEMA_VERSION" INTEGER AS (VALUE:schema_version::INTEGER) COMMENT 'schema version of the file the row is in (2: it has the columns below)',
  "COUNTRY" VARCHAR AS (VALUE:country::VARCHAR) COMMENT 'ISO 3166-1 alpha-2 country of the full client IP, looked up before masking; NULL when unknown',
  "BROWSER" VARCHAR AS (VALUE:browser::VARCHAR) COMMENT 'browser family from user_agent (Chrome, Safari, Firefox, …)',
  "BROWSER_VERSION" VARCHAR AS (VALUE:browser_version::VARCHAR) COMMENT 'browser major version',
  "OS" VARCHAR AS (VALUE:os::VARCHAR) COMMENT 'operating system from user_agent (Windows, macOS, iOS, Android, Linux, ChromeOS, …)',
  "OS_VERSION" VARCHAR AS (VALUE:os_version::VARCHAR) COMMENT 'operating system major version',
  "DEVICE_TYPE" VARCHAR AS (VALUE:device_type::VARCHAR) COMMENT 'desktop | mobile | tablet | other',
  "URL_HOST" VARCHAR AS (VALUE:url_host::VARCHAR) COMMENT 'host of url, lowercased',
  "URL_PATH" VARCHAR AS (VALUE:url_path::VARCHAR) COMMENT 'path of url (no query, no fragment)',
  "REFERRER_HOST" VARCHAR AS (VALUE:referrer_host::VARCHAR) COMMENT 'host of referrer, lowercased; NULL without a referrer',
  "CHANNEL" VARCHAR AS (VALUE:channel::VARCHAR) COMMENT 'direct | internal | organic_search | paid_search | organic_social | paid_social | email | ai_assistant | referral | other',
  "UTM_SOURCE" VARCHAR AS (VALUE:utm_source::VARCHAR) COMMENT 'utm_source of url, decoded, at most 256 characters',
  "UTM_MEDIUM" VARCHAR AS (VALUE:utm_medium::VARCHAR) COMMENT 'utm_medium of url, decoded, at most 256 characters',
  "UTM_CAMPAIGN" VARCHAR AS (VALUE:utm_campaign::VARCHAR) COMMENT 'utm_campaign of url, decoded, at most 256 characters',
  "UTM_TERM" VARCHAR AS (VALUE:utm_term::VARCHAR) COMMENT 'utm_term of url, decoded, at most 256 characters',
  "UTM_CONTENT" VARCHAR AS (VALUE:utm_content::VARCHAR) COMMENT 'utm_content of url, decoded, at most 256 characters',
  "LCP_MS" INTEGER AS (VALUE:lcp_ms::INTEGER) COMMENT 'Largest Contentful Paint in ms (web_vitals events)',
  "INP_MS" INTEGER AS (VALUE:inp_ms::INTEGER) COMMENT 'Interaction to Next Paint in ms (web_vitals events)',
  "FCP_MS" INTEGER AS (VALUE:fcp_ms::INTEGER) COMMENT 'First Contentful Paint in ms (web_vitals events)',
  "TTFB_MS" INTEGER AS (VALUE:ttfb_ms::INTEGER) COMMENT 'Time to First Byte in ms (web_vitals events)',
  "CLS" DOUBLE AS (VALUE:cls::DOUBLE) COMMENT 'Cumulative Layout Shift score (web_vitals events)'
)
PARTITION BY ("YEAR", "MONTH", "DAY", "HOUR")
LOCATION = @ALT.LAKE.ALT_LAKE_STAGE
PATTERN = '.*[.]parquet'
AUTO_REFRESH = TRUE
FILE_FORMAT = (TYPE = PARQUET);

-- The SQS queue to point the lake bucket's s3:ObjectCreated notifications at (hits/ prefix):
-- SELECT "notification_channel" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) after SHOW EXTERNAL TABLES LIKE 'HITS' IN SCHEMA ALT.LAKE;
-- DESC INTEGRATION ALT_LAKE_INTEGRATION; gives STORAGE_AWS_IAM_USER_ARN and STORAGE_AWS_EXTERNAL_ID for the IAM trust policy.
